// The gateway's WebSocket streams (/api/v1/ws): a single-use ws token from REST, then
// `{"method":"subscribe","params":{"channel":...},"id":n}` per channel. Messages carrying a
// `channel` go to that channel's handlers. When the socket cannot be opened or goes quiet, the
// stream reports 'polling' and the panels fall back to REST polling while it retries.

const QUIET_MS = 5000;      // the server sends a heartbeat every second
const MAX_BACKOFF_MS = 30000;

export class Stream {
  constructor(api, onState) {
    this.api = api;
    this.onState = onState;
    this.subscriptions = [];  // {channel, params, handler}
    this.socket = null;
    this.nextId = 1;
    this.backoff = 1000;
    this.lastMessage = 0;
    this.state = 'connecting';
    this.stopped = false;
    this.watchdog = setInterval(() => this.#checkQuiet(), 1000);
    this.sequences = new Map();  // channel -> last sequence seen, to notice gaps
  }

  get live() {
    return this.state === 'live';
  }

  subscribe(channel, params, handler) {
    const subscription = { channel, params, handler };
    this.subscriptions.push(subscription);
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.#send(subscription);
    return subscription;
  }

  unsubscribe(subscription) {
    this.subscriptions = this.subscriptions.filter((s) => s !== subscription);
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({
        method: 'unsubscribe', params: { channel: subscription.channel, ...subscription.params },
        id: this.nextId++,
      }));
    }
  }

  async connect() {
    if (this.stopped) return;
    this.#setState(this.state === 'live' ? 'connecting' : this.state);
    let token;
    try {
      const answer = await this.api.post('/api/v1/auth/ws-token', {});
      token = answer.token;
    } catch (error) {
      this.#retry(`ws token: ${error.message}`);
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.backoff = 1000;
      this.lastMessage = Date.now();
      this.#setState('live');
      for (const subscription of this.subscriptions) this.#send(subscription);
    };
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = (event) => {
      if (this.socket === socket) this.#retry(`closed ${event.code} ${event.reason || ''}`.trim());
    };
    socket.onerror = () => {};  // onclose follows with the code
  }

  stop() {
    this.stopped = true;
    clearInterval(this.watchdog);
    if (this.socket) this.socket.close(1000, 'logout');
    this.socket = null;
  }

  #send(subscription) {
    this.socket.send(JSON.stringify({
      method: 'subscribe', params: { channel: subscription.channel, ...subscription.params },
      id: this.nextId++,
    }));
  }

  #receive(data) {
    this.lastMessage = Date.now();
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.method === 'ping' || message.type === 'ping') {
      this.socket.send(JSON.stringify({ method: 'pong', id: message.id }));
      return;
    }
    if (message.error) {
      console.warn('stream error', message.error);
      return;
    }
    const channel = message.channel;
    if (!channel) return;  // acks, heartbeats
    const sequence = message.seq ?? message.sequence;
    if (typeof sequence === 'number') {
      const last = this.sequences.get(channel);
      if (last !== undefined && sequence > last + 1) {
        // A gap: the REST refresh behind every private handler fetches the missing state.
        console.warn(`stream ${channel}: gap ${last} -> ${sequence}`);
      }
      this.sequences.set(channel, sequence);
    }
    const payload = message.data ?? message.snapshot ?? message;
    const items = Array.isArray(payload) ? payload : [payload];
    for (const subscription of this.subscriptions) {
      if (subscription.channel !== channel) continue;
      for (const item of items) subscription.handler(item, message);
    }
  }

  #checkQuiet() {
    if (this.state === 'live' && Date.now() - this.lastMessage > QUIET_MS && this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(4000, 'no heartbeat');
      this.#retry('no heartbeat');
    }
  }

  #retry(reason) {
    if (this.stopped) return;
    this.socket = null;
    this.reason = reason;
    this.#setState('polling');
    setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }

  #setState(state) {
    this.state = state;
    this.onState(state, this.reason);
  }
}
