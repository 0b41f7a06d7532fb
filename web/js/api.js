// REST client of the gateway: login, token refresh, problem+json errors.
// The access token lives in memory only; the refresh token in sessionStorage (this tab), so a
// reload keeps the login while closing the tab ends it.

const REFRESH_KEY = 'ait.refresh';

/** An error answer of the API, carrying the HTTP status and the ErrorDNA code. */
export class ApiError extends Error {
  constructor(status, code, detail, path) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.path = path;
  }
  /** True when the gateway has no route for the path (a feature not deployed yet). */
  get missingRoute() {
    return this.status === 404 && (this.code === 'AIT-HTTP-0005' || this.code === '');
  }
}

async function errorOf(response, path) {
  let code = '';
  let detail = '';
  try {
    const body = await response.json();
    code = body.code || '';
    detail = body.detail || body.title || '';
  } catch {
    detail = response.statusText;
  }
  return new ApiError(response.status, code, detail, path);
}

export class Api {
  constructor() {
    this.accessToken = null;
    this.refreshToken = sessionStorage.getItem(REFRESH_KEY);
    this.refreshTimer = null;
    this.refreshing = null;
    this.onLoggedOut = () => {};
  }

  get hasSession() {
    return Boolean(this.accessToken || this.refreshToken);
  }

  async login(username, password, totp) {
    const body = { username, password };
    if (totp) body.totp = totp;
    const tokens = await this.request('POST', '/api/v1/auth/login', body, { auth: false });
    this.#keep(tokens);
    return tokens;
  }

  async logout() {
    const token = this.refreshToken;
    this.#forget();
    if (token) {
      try {
        await this.request('POST', '/api/v1/auth/logout', { refresh_token: token }, { auth: false });
      } catch {
        // The tokens are gone from this tab either way; the server revokes on its own expiry.
      }
    }
  }

  /** Exchanges the refresh token for a new pair; one exchange at a time (tokens rotate). */
  refresh() {
    if (!this.refreshToken) return Promise.reject(new ApiError(401, '', 'not logged in'));
    if (!this.refreshing) {
      const token = this.refreshToken;
      this.refreshing = this.request('POST', '/api/v1/auth/refresh', { refresh_token: token },
                                     { auth: false })
        .then((tokens) => this.#keep(tokens))
        .catch((error) => {
          this.#forget();
          this.onLoggedOut();
          throw error;
        })
        .finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  del(path) { return this.request('DELETE', path); }

  /** Sends one request; a 401 with a refresh token refreshes once and retries. */
  async request(method, path, body, { auth = true, retried = false, text = false } = {}) {
    if (auth && !this.accessToken && this.refreshToken && !retried) {
      await this.refresh();
    }
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
    if (response.status === 401 && auth && !retried && this.refreshToken) {
      await this.refresh();
      return this.request(method, path, body, { auth, retried: true, text });
    }
    if (!response.ok) throw await errorOf(response, path);
    if (response.status === 204) return null;
    if (text) return response.text();
    const type = response.headers.get('Content-Type') || '';
    return type.includes('json') ? response.json() : response.text();
  }

  #keep(tokens) {
    this.accessToken = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    clearTimeout(this.refreshTimer);
    // Refresh a minute before the access token runs out, so streams and polls never see a 401.
    const ms = Math.max(10, (tokens.expires_in || 900) - 60) * 1000;
    this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), ms);
  }

  #forget() {
    this.accessToken = null;
    this.refreshToken = null;
    sessionStorage.removeItem(REFRESH_KEY);
    clearTimeout(this.refreshTimer);
  }
}
