import {
  ContractError,
  createClient,
  createDefaultClient,
  type StrataClient,
  type Transport,
} from '../../src-main/contract/client';

/** Opened as a plain page without the host's token: every call explains how to get in. */
function noHostTransport(): Transport {
  const refuse = () =>
    Promise.reject(
      new ContractError('unauthorized', 'This page was opened without the access token Strata prints at start.'),
    );
  return {
    invoke: refuse,
    subscribe: () => () => undefined,
    files: { chooseImport: refuse, upload: refuse, save: refuse },
  };
}

/** Electron's preload bridge when present, otherwise the headless host over HTTP. */
export const api: StrataClient = createDefaultClient(window) ?? createClient(noHostTransport());
