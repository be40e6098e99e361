// Benchmark fixture for bench/browser.ts (issue 10), not part of the extension: a second extension that puts a tab
// under exactly the CDP domains the Mutual extension's Chromium adapter needs (src/extension/background/
// interceptors/cdp-fetch.ts) and does nothing else: every request paused at both Fetch stages is continued at
// once, unchanged. A page loaded through it shows what the browser's own machinery costs (the floor no
// interception code can go under); the difference to the Mutual extension is our own work.
//
// floorAttach(tabId, network) is called by the bench through Playwright's service-worker handle.
// network = false: Fetch (both stages) and Page only. network = true: also Network with its events, the service
// worker bypass and the disabled cache, as the Mutual adapter enables them.
const patterns = [
  { urlPattern: 'http://*', requestStage: 'Request' },
  { urlPattern: 'https://*', requestStage: 'Request' },
  { urlPattern: 'http://*', requestStage: 'Response' },
  { urlPattern: 'https://*', requestStage: 'Response' },
];

let events = 0;
chrome.debugger.onEvent.addListener((source, method, params) => {
  events++;
  if (method === 'Fetch.requestPaused') {
    chrome.debugger.sendCommand(source, 'Fetch.continueRequest', { requestId: params.requestId }).catch(() => undefined);
  }
});

globalThis.floorAttach = async (tabId, network) => {
  const target = { tabId };
  await chrome.debugger.attach(target, '1.3');
  await chrome.debugger.sendCommand(target, 'Fetch.enable', { patterns });
  await chrome.debugger.sendCommand(target, 'Page.enable');
  if (network) {
    await chrome.debugger.sendCommand(target, 'Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
    await chrome.debugger.sendCommand(target, 'Network.setBypassServiceWorker', { bypass: true });
    await chrome.debugger.sendCommand(target, 'Network.setCacheDisabled', { cacheDisabled: true });
  }
  return true;
};

globalThis.floorEvents = () => events;
