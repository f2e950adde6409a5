import { useUi, type ThemeChoice } from '../store/ui';

export function ThemeSelect() {
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  return (
    <div className="field">
      <label htmlFor="theme-select">Theme</label>
      <select id="theme-select" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
        <option value="system">Match system</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
