/**
 * Host permissions, which Firefox MV3 lets the user withhold (and revoke later in about:addons), while the
 * extension needs them on every http(s) site: without them its webRequest listeners never see a request, so
 * no Authorization is added and no server is checked (the page simply shows the site's 401).
 *
 * For the UI (onboarding page and popup): {@link HostPermissions.missing} says whether to show the one
 * "Allow on all sites" step; {@link HostPermissions.request} must be called straight from the click handler —
 * Firefox accepts `permissions.request` only while handling a user action, so nothing may be awaited before it;
 * {@link HostPermissions.onChange} re-checks when the user grants or revokes them elsewhere. Chromium grants
 * host permissions at install, so there `missing()` is normally empty and the step is not shown.
 */

/** The origins the extension works on (manifest.json `host_permissions`). */
export const HOST_ORIGINS: readonly string[] = ['http://*/*', 'https://*/*'];

interface PermissionSet {
  origins?: string[];
  permissions?: string[];
}

interface PermissionEvent {
  addListener(f: (p: PermissionSet) => void): void;
  removeListener(f: (p: PermissionSet) => void): void;
}

/** The part of `browser.permissions` (webextension-polyfill) used here. */
export interface PermissionsApi {
  contains(p: PermissionSet): Promise<boolean>;
  request(p: PermissionSet): Promise<boolean>;
  onAdded: PermissionEvent;
  onRemoved: PermissionEvent;
}

export interface HostPermissions {
  /** The host patterns not granted now (empty: everything works). Never throws: an API error counts as missing. */
  missing(): Promise<string[]>;
  /**
   * Ask the browser for all of them (one prompt). Call synchronously inside a click/keyboard handler. Resolves
   * true when all are granted afterwards, false when the user declined or the browser refused.
   */
  request(): Promise<boolean>;
  /** Call `f` whenever host permissions are granted or revoked; returns the unsubscribe function. */
  onChange(f: () => void): () => void;
}

export function hostPermissions(api: () => PermissionsApi): HostPermissions {
  return {
    async missing() {
      const out: string[] = [];
      for (const origin of HOST_ORIGINS) {
        const has = await api().contains({ origins: [origin] }).catch(() => false);
        if (!has) out.push(origin);
      }
      return out;
    },
    request() {
      // No await before this call: Firefox ties the prompt to the user action being handled.
      let pending: Promise<boolean>;
      try {
        pending = api().request({ origins: [...HOST_ORIGINS] });
      } catch {
        return Promise.resolve(false);
      }
      return pending.catch(() => false);
    },
    onChange(f) {
      const a = api();
      const listener = (p: PermissionSet) => {
        if ((p.origins ?? []).length > 0) f();
      };
      a.onAdded.addListener(listener);
      a.onRemoved.addListener(listener);
      return () => {
        a.onAdded.removeListener(listener);
        a.onRemoved.removeListener(listener);
      };
    },
  };
}
