// hcloud-js ships no types; this declares only the part the Hetzner adapter uses.
declare module 'hcloud-js' {
  interface AxiosResponse {
    data: unknown;
    status: number;
    headers: Record<string, string | undefined>;
  }
  interface AxiosInstance {
    get(url: string, config?: { params?: Record<string, unknown> }): Promise<AxiosResponse>;
    post(url: string, body?: unknown): Promise<AxiosResponse>;
    delete(url: string): Promise<AxiosResponse>;
    interceptors: {
      response: {
        handlers: unknown[];
        use(onFulfilled?: (response: AxiosResponse) => AxiosResponse, onRejected?: (error: unknown) => unknown): number;
      };
    };
  }
  interface Action {
    id: number;
  }
  interface ServerBuilder {
    serverType(name: string): ServerBuilder;
    location(name: string): ServerBuilder;
    image(name: string): ServerBuilder;
    userData(data: string): ServerBuilder;
    labels(labels: Record<string, string>): ServerBuilder;
    startAfterCreate(start: boolean): ServerBuilder;
    sshKey(key: string | number): ServerBuilder;
    create(): Promise<{ server: { id: number }; action: Action }>;
  }
  interface ServerActions {
    powerOn(id: number): Promise<Action>;
    powerOff(id: number): Promise<Action>;
    shutdown(id: number): Promise<Action>;
    reboot(id: number): Promise<Action>;
    reset(id: number): Promise<Action>;
    changeType(id: number, serverType: string, upgradeDisk?: boolean): Promise<Action>;
    createImage(id: number, type?: string, description?: string): Promise<{ image: { id: number }; action: Action }>;
  }
  export class Client {
    constructor(options: { token: string; baseURL?: string; timeout?: number });
    axios: AxiosInstance;
    servers: {
      build(name: string): ServerBuilder;
      delete(id: number): Promise<Action>;
      actions: ServerActions;
    };
    serverTypes: { list(params: { name?: string }): Promise<{ serverTypes?: { name: string; disk: number }[] }> };
  }
}
