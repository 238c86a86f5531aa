// A real tus 1.0 server for the integration tests: @tus/server with a FileStore, from the
// directory scripts/install-tus-server.sh installed them into (nothing is copied into the tree).
//
//   node tus_server.mjs --modules DIR --store DIR (--port N | --fd N) [--throttle BYTES_PER_S]
//
// --port 0 picks an ephemeral port; --fd listens on an inherited listening socket, so that a
// server killed with SIGKILL can be started again on the same port without a window in which
// connections are refused. --throttle bounds how fast the store takes the body of each request.
//
// stdout, one JSON object per line: {"port":N} once listening, then for every request
// {"event":"request","n":...,"method":...,"url":...,"uploadOffset":...,...} when its headers
// arrive and {"event":"response","n":...,"status":...} when the answer was sent, or
// {"event":"aborted","n":...} when the connection closed first. Upload-Offset, Upload-Length,
// Content-Length and Location are strings, or null when absent. The store adds
// {"event":"write","id":...,"offset":N} and {"event":"written","id":...,"offset":N or null}
// around writing each body to the file.

import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import stream from 'node:stream';

function fail(message) {
    process.stderr.write(`tus_server: ${message}\n`);
    process.exit(2);
}

function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i];
        const value = argv[i + 1];
        if (!name.startsWith('--') || value === undefined)
            fail(`expected --NAME VALUE pairs, got '${argv.slice(i).join(' ')}'`);
        out[name.slice(2)] = value;
    }
    return out;
}

const args = parseArgs(process.argv.slice(2));
if (!args.modules || !args.store)
    fail('--modules DIR and --store DIR are required');
if ((args.port === undefined) === (args.fd === undefined))
    fail('give exactly one of --port N and --fd N');

const require = createRequire(path.join(path.resolve(args.modules), 'package.json'));
const { Server } = require('@tus/server');
const { FileStore } = require('@tus/file-store');

const throttle = Number(args.throttle ?? 0);

// Passes chunks on no faster than `rate` bytes per second, so a test can interrupt a transfer
// while it runs whatever the client's own speed.
function throttled(source, rate) {
    const started = Date.now();
    let passed = 0;
    const t = new stream.Transform({
        transform(chunk, _encoding, callback) {
            passed += chunk.length;
            const due = (passed * 1000) / rate - (Date.now() - started);
            setTimeout(() => callback(null, chunk), Math.max(0, due));
        },
    });
    stream.pipeline(source, t, () => {});
    return t;
}

// Logs when the store starts and ends writing a body: an aborted request's answer can be logged
// while its last bytes are still on their way to the file.
class LoggingFileStore extends FileStore {
    write(readable, id, offset) {
        log({ event: 'write', id, offset });
        const source = throttle > 0 ? throttled(readable, throttle) : readable;
        const written = super.write(source, id, offset);
        written.then(
            (end) => log({ event: 'written', id, offset: end }),
            () => log({ event: 'written', id, offset: null }),
        );
        return written;
    }
}

const tus = new Server({
    path: '/files',
    datastore: new LoggingFileStore({ directory: path.resolve(args.store) }),
});

function log(object) {
    process.stdout.write(`${JSON.stringify(object)}\n`); // synchronous on a pipe
}

const header = (value) => (value === undefined ? null : String(value));

let requests = 0;
const server = http.createServer((req, res) => {
    const n = ++requests;
    log({
        event: 'request',
        n,
        method: req.method,
        url: req.url,
        uploadOffset: header(req.headers['upload-offset']),
        uploadLength: header(req.headers['upload-length']),
        contentLength: header(req.headers['content-length']),
        uploadMetadata: header(req.headers['upload-metadata']),
        uploadChecksum: header(req.headers['upload-checksum']),
        tusResumable: header(req.headers['tus-resumable']),
    });
    res.on('finish', () =>
        log({
            event: 'response',
            n,
            status: res.statusCode,
            uploadOffset: header(res.getHeader('upload-offset')),
            location: header(res.getHeader('location')),
        }),
    );
    res.on('close', () => {
        if (!res.writableFinished)
            log({ event: 'aborted', n });
    });
    tus.handle(req, res);
});
server.on('error', (error) => fail(error.message));
const address =
    args.fd !== undefined
        ? { fd: Number(args.fd) }
        : { host: '127.0.0.1', port: Number(args.port) };
server.listen(address, () => log({ port: server.address().port }));
