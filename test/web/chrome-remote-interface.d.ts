// The part of chrome-remote-interface (no types of its own) the browser tests use.
declare module 'chrome-remote-interface' {
  interface Client {
    send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
    on(event: string, listener: (params: Record<string, unknown>) => void): void;
    close(): Promise<void>;
  }
  function CDP(options: { host?: string; port?: number; target?: string }): Promise<Client>;
  namespace CDP {
    function List(options: { host?: string; port?: number }): Promise<Array<{ id: string; type: string; url: string }>>;
  }
  export default CDP;
}
