/**
 * Does the postmaster still accept new connections? A long-lived monitoring session keeps being
 * served by its own backend process even while the postmaster hangs (SIGSTOPped, stuck), and then
 * Bacula's new catalog connections hang although the monitor's queries answer. This check opens a
 * TCP connection and sends PostgreSQL's SSLRequest (8 bytes): the postmaster accepts, forks a
 * backend, and that backend answers one byte ('S' or 'N'); then the socket is closed. No startup
 * packet, no authentication, nothing in the server log (PostgreSQL logs nothing for a connection
 * that closes before its startup packet).
 *
 * It is what keeps the poller's "a hung server is unreachable within the probe timeout" true with
 * persistent sessions, at the price of one fork per member and cycle instead of a whole scram login.
 */
import net from "node:net";
import { ProbeTimeoutError } from "./probes";

/** Int32 length 8, Int32 80877103 (the SSLRequest code). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Resolves once the server answers the SSLRequest; rejects with ProbeTimeoutError("connect",
 * `reportMs`) after `timeoutMs`, or with the socket's error (ECONNREFUSED ...).
 */
export function acceptCheck(host: string, port: number, timeoutMs: number, reportMs = timeoutMs): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const socket = net.connect({ host, port });
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new ProbeTimeoutError("connect", reportMs)), Math.max(1, timeoutMs));
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write(SSL_REQUEST));
    socket.once("data", () => finish());
    socket.once("error", (err) => finish(err));
    socket.once("close", () => finish(Object.assign(new Error("Connection terminated before the server answered"), { code: "ECONNRESET" })));
  });
}
