/** Marks an error caused by the client going away: not the upstream's fault. */
export class ClientAbort extends Error {
  constructor() {
    super('client closed the request');
    this.name = 'ClientAbort';
  }
}
