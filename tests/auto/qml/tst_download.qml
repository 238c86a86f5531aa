import QtQuick
import QtTest
import Background

// Downloads from QML: signals, the response's fields, the enums, options and control.
TestCase {
    id: testCase
    name: "Download"

    Component {
        id: downloaderComponent
        Downloader {}
    }

    // A Downloader on a store of its own, and what its signals said.
    function createDownloader(extra) {
        const dir = server.newDirectory()
        const props = Object.assign({ storePath: dir + "/store.sqlite" }, extra || {})
        const d = createTemporaryObject(downloaderComponent, testCase, props)
        verify(d, "Downloader could not be created")
        const log = { dir: dir, progress: [], finished: [], states: [] }
        d.progress.connect((id, done, total) => log.progress.push({ id: id, done: done, total: total }))
        d.finished.connect((id, response) => log.finished.push({ id: id, response: response }))
        d.stateChanged.connect((id, state) => log.states.push({ id: id, state: state }))
        return { d: d, log: log }
    }

    function test_success() {
        const size = 300 * 1024
        server.addDownload("/dl/success", size, 11, 0)
        const c = createDownloader()
        verify(c.d.ready)
        compare(c.d.storePath, c.log.dir + "/store.sqlite")
        const path = c.log.dir + "/a.bin"
        let called = null
        verify(c.d.download(server.url("/dl/success"), "a", path, {}, r => called = r))
        tryVerify(() => c.log.finished.length === 1, 10000, "finished() was not emitted")

        const r = c.log.finished[0].response
        compare(c.log.finished[0].id, "a")
        compare(r.outcome, NetworkResponse.Success)
        compare(r.outcome, NetworkResponse.Outcome.Success)
        verify(r.success)
        compare(r.outcomeName, "success")
        compare(r.identifier, "a")
        compare(r.httpStatus, 200)
        compare(r.filePath, path)
        compare(r.bytes, size)
        compare(r.error, NetworkResponse.NoError)
        compare(r.retryAfter, -1)
        compare(server.fileSha256(path), server.contentSha256(size, 11))

        const last = c.log.progress[c.log.progress.length - 1]
        compare(last.id, "a")
        compare(last.done, size)
        compare(last.total, size)
        verify(c.log.states.some(s => s.id === "a" && s.state === TransferInfo.Finished))

        tryVerify(() => called !== null, 5000, "the callback was not called")
        compare(called.outcome, NetworkResponse.Success)
        compare(called.filePath, path)
        compare(c.log.finished.length, 1) // the callback's result is not announced twice

        const info = c.d.transfer("a")
        verify(info.valid)
        compare(info.state, TransferInfo.Finished)
        compare(info.kind, TransferInfo.Download)
        compare(info.localPath, path)
        verify(info.hasResult)
        compare(info.result.outcome, NetworkResponse.Success)
        compare(c.d.transfers().length, 1)
        compare(c.d.pendingIdentifiers.length, 0)
        verify(!c.d.transfer("nope").valid)

        verify(c.d.forget("a"))
        verify(!c.d.transfer("a").valid)
    }

    function test_sha256Option() {
        server.addDownload("/dl/sha", 10000, 12, 0)
        const c = createDownloader({ retries: 0 })
        const path = c.log.dir + "/sha.bin"
        verify(c.d.download(server.url("/dl/sha"), "sha", path,
                            { sha256: server.contentSha256(10000, 99), priority: TransferInfo.High }))
        tryVerify(() => c.log.finished.length === 1, 10000)
        const r = c.log.finished[0].response
        compare(r.outcome, NetworkResponse.Failed)
        compare(r.error, NetworkResponse.IntegrityError)
        verify(r.errorString.length > 0)
        compare(c.d.transfer("sha").priority, TransferInfo.High)
    }

    function test_failure_data() {
        return [
            { tag: "404", status: 404, retryAfter: "", outcome: NetworkResponse.Rejected,
              seconds: -1 },
            { tag: "503 Retry-After", status: 503, retryAfter: "7", outcome: NetworkResponse.Retry,
              seconds: 7 },
        ]
    }

    function test_failure(data) {
        const route = "/dl/fail" + data.status
        server.addFailure(route, data.status, data.retryAfter)
        const c = createDownloader({ retries: 0 })
        compare(c.d.retries, 0)
        verify(c.d.download(server.url(route), "f", c.log.dir + "/f.bin"))
        tryVerify(() => c.log.finished.length === 1, 10000)
        const r = c.log.finished[0].response
        compare(r.outcome, data.outcome)
        compare(r.httpStatus, data.status)
        compare(r.error, NetworkResponse.HttpError)
        compare(r.error, NetworkResponse.Error.HttpError)
        compare(r.retryAfter, data.seconds)
        verify(r.errorString.length > 0, "no errorString")
        verify(!server.exists(c.log.dir + "/f.bin"), "an error body reached the file")
    }

    function test_invalidArguments() {
        const c = createDownloader()
        verify(!c.d.download(server.url("/dl/any"), "bad", c.log.dir + "/x", { priority: "urgent" }))
        tryVerify(() => c.log.finished.length === 1, 5000)
        compare(c.log.finished[0].response.outcome, NetworkResponse.Failed)
        compare(c.log.finished[0].response.error, NetworkResponse.InvalidRequest)

        // Refused by the library without reaching the engine: still announced once.
        verify(c.d.download(server.url("/dl/any"), "", c.log.dir + "/y"))
        tryVerify(() => c.log.finished.length === 2, 5000)
        compare(c.log.finished[1].response.error, NetworkResponse.InvalidIdentifier)
        wait(50)
        compare(c.log.finished.length, 2)
    }

    function test_pauseResume() {
        const size = 2 * 1024 * 1024
        server.addDownload("/dl/pause", size, 13, 64 * 1024) // the first request is slow
        const c = createDownloader()
        const path = c.log.dir + "/p.bin"
        verify(c.d.download(server.url("/dl/pause"), "p", path))
        tryVerify(() => c.log.progress.some(p => p.done > 0), 10000, "no progress")
        compare(c.d.pendingIdentifiers, ["p"])
        verify(c.d.pause("p"))
        tryVerify(() => c.log.states.some(s => s.state === TransferInfo.Paused), 5000)
        compare(c.d.transfer("p").state, TransferInfo.Paused)
        compare(c.d.transfer("p").state, TransferInfo.State.Paused)
        compare(c.d.transfer("p").stateName, "paused")
        compare(c.log.finished.length, 0)

        verify(c.d.resume("p"))
        tryVerify(() => c.log.finished.length === 1, 20000)
        compare(c.log.finished[0].response.outcome, NetworkResponse.Success)
        compare(server.fileSha256(path), server.contentSha256(size, 13))
        compare(server.requestCount("/dl/pause"), 2)
        verify(!c.d.resume("unknown"))
    }

    function test_resumeAll() {
        const size = 1024 * 1024
        server.addDownload("/dl/all", size, 14, 64 * 1024)
        const c = createDownloader()
        verify(c.d.download(server.url("/dl/all"), "all", c.log.dir + "/all.bin"))
        tryVerify(() => c.log.progress.some(p => p.done > 0), 10000)
        verify(c.d.pause("all"))
        tryVerify(() => c.d.transfer("all").state === TransferInfo.Paused, 5000)
        compare(c.d.resumeAll(), 1)
        tryVerify(() => c.log.finished.length === 1, 20000)
        compare(c.log.finished[0].response.outcome, NetworkResponse.Success)
    }

    function test_cancel() {
        server.addDownload("/dl/cancel", 2 * 1024 * 1024, 15, 64 * 1024)
        const c = createDownloader()
        const path = c.log.dir + "/c.bin"
        verify(c.d.download(server.url("/dl/cancel"), "c", path))
        tryVerify(() => c.log.progress.some(p => p.done > 0), 10000)
        verify(c.d.cancel("c"))
        tryVerify(() => c.log.finished.length === 1, 5000)
        const r = c.log.finished[0].response
        compare(r.outcome, NetworkResponse.Failed)
        compare(r.error, NetworkResponse.Canceled)
        verify(!c.d.transfer("c").valid)
        compare(c.d.pendingIdentifiers.length, 0)
        verify(!server.exists(path))
        verify(!c.d.cancel("c"))
    }

    function test_storePathChange() {
        server.addDownload("/dl/store", 1000, 16, 0)
        const c = createDownloader()
        verify(c.d.download(server.url("/dl/store"), "s", c.log.dir + "/s.bin"))
        tryVerify(() => c.log.finished.length === 1, 10000)
        compare(c.d.transfers().length, 1)
        c.d.storePath = c.log.dir + "/other.sqlite"
        verify(c.d.ready)
        compare(c.d.transfers().length, 0)
        verify(!c.d.transfer("s").valid)
    }
}
