/**
 * The company's side of forwarding for the benchmark: a plain HTTP server that reads each
 * forwarded event and answers 204 (verifying is the receiver's cost, not the service's). Run as
 * its own process by bench.ts, on the port in argv[2].
 */
import { createServer } from 'node:http';

let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(204).end();
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log(`listening ${process.argv[2]}`));
process.on('SIGTERM', () => {
  console.log(`received ${received}`);
  server.close(() => process.exit(0));
});
