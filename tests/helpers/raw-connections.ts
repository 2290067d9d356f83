// Raw TCP connections to a local server from a loopback address of their own (all of 127/8 reaches a
// server bound to 127.0.0.1 on Linux), for the intake tests: what the server answered first, and when
// it closed the connection.
import net from "node:net";

export interface RawConnection {
  socket: net.Socket;
  openedAt: number;
  /** set when the connection closed (by either side) */
  closedAt?: number;
  /** the first line the server sent, if any */
  answer?: string;
}

/** Resolves once connected, or once closed (a connection refused at accept). */
export function connectFrom(port: number, from: string, sockets?: net.Socket[]): Promise<RawConnection> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: from });
    sockets?.push(socket);
    const c: RawConnection = { socket, openedAt: Date.now() };
    socket.on("data", (d: Buffer) => (c.answer ??= d.toString().split("\r\n")[0]));
    socket.on("error", () => {});
    socket.on("close", () => {
      c.closedAt = Date.now();
      resolve(c);
    });
    socket.on("connect", () => resolve(c));
  });
}

export const stillOpen = (conns: RawConnection[]) => conns.filter((c) => c.closedAt === undefined).length;
