import QtQuick
import QtTest
import Background

// Uploads from QML against FaultServer's upload routes.
TestCase {
    id: testCase
    name: "Upload"

    Component {
        id: uploaderComponent
        Uploader {}
    }

    function createUploader(extra) {
        const dir = server.newDirectory()
        const props = Object.assign({ storePath: dir + "/store.sqlite" }, extra || {})
        const u = createTemporaryObject(uploaderComponent, testCase, props)
        verify(u, "Uploader could not be created")
        const log = { dir: dir, progress: [], finished: [], states: [] }
        u.progress.connect((id, done, total) => log.progress.push({ id: id, done: done, total: total }))
        u.finished.connect((id, response) => log.finished.push({ id: id, response: response }))
        u.stateChanged.connect((id, state) => log.states.push({ id: id, state: state }))
        return { u: u, log: log }
    }

    function test_put() {
        const size = 200 * 1024
        server.addUpload("/up/put", 0, 0)
        const c = createUploader()
        const source = server.writeFile(c.log.dir + "/source.bin", size, 21)
        verify(source.length > 0)
        verify(c.u.upload(source, server.url("/up/put"), "u1"))
        tryVerify(() => c.log.finished.length === 1, 10000, "finished() was not emitted")

        const r = c.log.finished[0].response
        compare(c.log.finished[0].id, "u1")
        compare(r.outcome, NetworkResponse.Success)
        compare(r.httpStatus, 201)
        compare(r.body, "stored")
        compare(r.errorString, "")
        compare(server.uploadCount("/up/put"), 1)
        compare(server.uploadMethod("/up/put", 0), "PUT")
        compare(server.uploadSha256("/up/put", 0), server.fileSha256(source))

        const last = c.log.progress[c.log.progress.length - 1]
        compare(last.id, "u1")
        compare(last.done, size)
        compare(last.total, size)
        verify(c.log.states.some(s => s.id === "u1" && s.state === TransferInfo.Finished))
        compare(c.u.transfer("u1").kind, TransferInfo.Upload)
    }

    function test_postMultipart() {
        server.addUpload("/up/form", 0, 0)
        const c = createUploader()
        const source = server.writeFile(c.log.dir + "/form.bin", 5000, 22)
        verify(c.u.upload(source, server.url("/up/form"), "form",
                          { method: "POST", fields: { title: "holiday" }, priority: "high",
                            headers: { "X-Test": "yes" } }))
        tryVerify(() => c.log.finished.length === 1, 10000)
        compare(c.log.finished[0].response.outcome, NetworkResponse.Success)
        compare(server.uploadMethod("/up/form", 0), "POST")
        verify(server.uploadHeader("/up/form", 0, "Content-Type").startsWith("multipart/form-data"))
        compare(server.uploadHeader("/up/form", 0, "X-Test"), "yes")
    }

    function test_badMethod() {
        const c = createUploader()
        verify(!c.u.upload(c.log.dir + "/none", server.url("/up/none"), "bad", { method: "GET" }))
        tryVerify(() => c.log.finished.length === 1, 5000)
        compare(c.log.finished[0].response.error, NetworkResponse.InvalidRequest)
    }

    function test_rejected() {
        server.addUpload("/up/refused", 0, 403)
        const c = createUploader({ retries: 0 })
        const source = server.writeFile(c.log.dir + "/r.bin", 1000, 23)
        verify(c.u.upload(source, server.url("/up/refused"), "r"))
        tryVerify(() => c.log.finished.length === 1, 10000)
        const r = c.log.finished[0].response
        compare(r.outcome, NetworkResponse.Rejected)
        compare(r.httpStatus, 403)
        verify(r.errorString.length > 0)
    }

    function test_pauseResumeCancel() {
        const size = 4 * 1024 * 1024
        server.addUpload("/up/slow", 256 * 1024, 0)
        const c = createUploader()
        const source = server.writeFile(c.log.dir + "/slow.bin", size, 24)
        verify(c.u.upload(source, server.url("/up/slow"), "slow"))
        tryVerify(() => c.log.progress.some(p => p.done > 0), 10000, "no progress")
        verify(c.u.pause("slow"))
        tryVerify(() => c.u.transfer("slow").state === TransferInfo.Paused, 5000)
        verify(c.log.states.some(s => s.state === TransferInfo.Paused))
        compare(c.log.finished.length, 0)
        verify(c.u.resume("slow"))
        tryVerify(() => c.u.transfer("slow").state === TransferInfo.Running, 5000)
        verify(c.u.cancel("slow"))
        tryVerify(() => c.log.finished.length === 1, 5000)
        compare(c.log.finished[0].response.error, NetworkResponse.Canceled)
        verify(!c.u.transfer("slow").valid)
    }
}
