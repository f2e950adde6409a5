/**
 * A stand-in terminal: replays the bytes written (carriage return, newline, cursor up, clear to
 * end of screen or line) into the lines a person would see, so tests check the screen rather
 * than the escape codes.
 */
const ESC = String.fromCharCode(27);

export function fakeTerminal() {
  const screen: string[] = [''];
  let row = 0;
  let col = 0;
  let raw = '';
  const write = (s: string) => {
    raw += s;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === ESC) {
        // The control sequences a progress line uses: ESC [ n A, ESC [ J, ESC [ K.
        const m = /^\[(\d*)([AJK])/.exec(s.slice(i + 1));
        if (!m) throw new Error(`unexpected escape at ${JSON.stringify(s.slice(i, i + 8))}`);
        const n = m[1] ? Number(m[1]) : 1;
        if (m[2] === 'A') row = Math.max(0, row - n);
        if (m[2] === 'J') {
          screen[row] = screen[row]!.slice(0, col);
          screen.length = row + 1;
        }
        if (m[2] === 'K') screen[row] = '';
        i += m[0].length;
      } else if (ch === '\r') col = 0;
      else if (ch === '\n') {
        row++;
        col = 0;
        if (screen.length <= row) screen.push('');
      } else {
        const line = screen[row]!.padEnd(col);
        screen[row] = line.slice(0, col) + ch + line.slice(col + 1);
        col++;
      }
    }
  };
  return {
    write,
    visible: () => screen.filter((l, i) => l !== '' || i < screen.length - 1),
    raw: () => raw,
  };
}
