import QtQuick
import QtTest
import Background

// TransferModel from QML: rows and roles follow a Downloader on the same store, and a model
// created later over that store shows the rows it kept.
TestCase {
    id: testCase
    name: "Model"

    Component {
        id: downloaderComponent
        Downloader {}
    }
    Component {
        id: modelComponent
        TransferModel {}
    }
    // Reads the model through its role names, as a ListView delegate would.
    Component {
        id: repeaterComponent
        Repeater {
            delegate: Item {
                required property string identifier
                required property string kind
                required property string localPath
                required property int state
                required property string stateName
                required property double bytesDone
                required property double bytesTotal
                required property double progress
                required property int outcome
                required property int httpStatus
                required property string errorString
                required property int attempts
            }
        }
    }

    function rowsOf(model) {
        const repeater = createTemporaryObject(repeaterComponent, testCase, { model: model })
        verify(repeater)
        return repeater
    }

    function test_liveRows() {
        const dir = server.newDirectory()
        const store = dir + "/store.sqlite"
        const size = 512 * 1024
        server.addDownload("/model/live", size, 31, 64 * 1024)
        const model = createTemporaryObject(modelComponent, testCase, { storePath: store })
        verify(model)
        compare(model.storePath, store)
        compare(model.count, 0)
        const rows = rowsOf(model)
        const d = createTemporaryObject(downloaderComponent, testCase, { storePath: store })
        const path = dir + "/live.bin"
        verify(d.download(server.url("/model/live"), "live", path))
        tryCompare(model, "count", 1, 5000)
        compare(model.indexOf("live"), 0)
        tryVerify(() => rows.count === 1 && rows.itemAt(0).bytesDone > 0, 10000, "no progress row")
        const row = rows.itemAt(0)
        compare(row.identifier, "live")
        compare(row.kind, "download")
        compare(row.localPath, path)
        compare(row.bytesTotal, size)
        verify(row.progress > 0 && row.progress <= 1)
        compare(row.outcome, -1)

        verify(d.pause("live"))
        tryCompare(row, "state", TransferInfo.Paused, 5000)
        compare(row.stateName, "paused")
        verify(d.resume("live"))
        tryCompare(row, "stateName", "finished", 20000)
        compare(row.state, TransferInfo.Finished)
        compare(row.outcome, NetworkResponse.Success)
        compare(row.httpStatus, 206) // the second request continued from the partial data
        compare(row.bytesDone, size)
        compare(row.progress, 1)

        verify(d.forget("live"))
        tryCompare(model, "count", 0, 5000)
    }

    function test_failedRow() {
        const store = server.newDirectory() + "/store.sqlite"
        server.addFailure("/model/gone", 410, "")
        const model = createTemporaryObject(modelComponent, testCase, { storePath: store })
        const rows = rowsOf(model)
        const d = createTemporaryObject(downloaderComponent, testCase,
                                        { storePath: store, retries: 0 })
        verify(d.download(server.url("/model/gone"), "gone", store + ".gone"))
        tryVerify(() => rows.count === 1 && rows.itemAt(0).stateName === "finished", 10000)
        compare(rows.itemAt(0).outcome, NetworkResponse.Rejected)
        compare(rows.itemAt(0).httpStatus, 410)
        verify(rows.itemAt(0).errorString.length > 0)
        compare(rows.itemAt(0).attempts, 1)
    }

    function test_restoredRows() {
        const dir = server.newDirectory()
        const store = dir + "/store.sqlite"
        server.addDownload("/model/done", 1000, 32, 0)
        server.addDownload("/model/paused", 1024 * 1024, 33, 64 * 1024)
        const d = createTemporaryObject(downloaderComponent, testCase, { storePath: store })
        const finished = []
        d.finished.connect(id => finished.push(id))
        verify(d.download(server.url("/model/done"), "done", dir + "/done.bin"))
        tryCompare(finished, "length", 1, 10000)
        verify(d.download(server.url("/model/paused"), "paused", dir + "/paused.bin"))
        tryVerify(() => d.transfer("paused").bytesDone > 0 || d.transfer("paused").stateName === "running", 10000)
        verify(d.pause("paused"))
        tryVerify(() => d.transfer("paused").state === TransferInfo.Paused, 5000)
        const kept = d.transfer("paused")
        d.destroy()
        wait(0)

        const model = createTemporaryObject(modelComponent, testCase, { storePath: store })
        tryCompare(model, "count", 2, 5000)
        const rows = rowsOf(model)
        compare(rows.count, 2)
        const byId = {}
        for (let i = 0; i < rows.count; ++i)
            byId[rows.itemAt(i).identifier] = rows.itemAt(i)
        verify(byId["done"], "the finished transfer is not restored")
        verify(byId["paused"], "the paused transfer is not restored")
        compare(byId["done"].state, TransferInfo.Finished)
        compare(byId["done"].outcome, NetworkResponse.Success)
        compare(byId["done"].bytesDone, 1000)
        compare(byId["paused"].state, TransferInfo.Paused)
        compare(byId["paused"].bytesDone, kept.bytesDone)
        compare(byId["paused"].bytesTotal, kept.bytesTotal)
        compare(byId["paused"].localPath, dir + "/paused.bin")
    }
}
