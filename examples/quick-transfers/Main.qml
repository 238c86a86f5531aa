import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Background

ApplicationWindow {
    id: window

    required property string storePath   // empty: the app's default store
    required property string downloadDir

    width: 760
    height: 520
    visible: true
    title: qsTr("Background transfers")

    //! [downloader]
    // Unfinished downloads continue by themselves when the app starts (resumeOnStart).
    Downloader {
        id: downloader
        storePath: window.storePath
        maximumConcurrentTransfers: 3
    }
    //! [downloader]

    //! [start]
    function startDownload() {
        const url = urlField.text.trim()
        if (url.length === 0)
            return
        const name = url.replace(/[?#].*$/, "").replace(/\/+$/, "").split("/").pop() || "download"
        // The URL names the transfer: asking again joins, resumes or answers with the result.
        const identifier = name + "-" + Qt.md5(url).slice(0, 8)
        downloader.download(url, identifier, window.downloadDir + "/" + name)
        urlField.clear()
    }
    //! [start]

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.margins: 6
            TextField {
                id: urlField
                Layout.fillWidth: true
                placeholderText: qsTr("https://example.com/big.iso")
                onAccepted: window.startDownload()
            }
            Button {
                text: qsTr("Download")
                enabled: urlField.text.length > 0
                onClicked: window.startDownload()
            }
        }
    }

    ListView {
        id: list
        anchors.fill: parent
        anchors.margins: 6
        spacing: 4
        clip: true
        //! [model]
        model: TransferModel {
            id: transfers
            objectName: "transfers"
            storePath: window.storePath
        }
        delegate: TransferDelegate {
            width: ListView.view.width
            onPauseClicked: downloader.pause(identifier)
            onResumeClicked: downloader.resume(identifier)
            onCancelClicked: downloader.cancel(identifier)
            onForgetClicked: downloader.forget(identifier)
        }
        //! [model]
        Label {
            anchors.centerIn: parent
            visible: transfers.count === 0
            text: qsTr("No transfers yet: paste a URL above.")
        }
    }

    footer: Label {
        padding: 6
        text: qsTr("%n transfer(s) in %1", "", transfers.count)
                .arg(window.storePath.length > 0 ? window.storePath : qsTr("the default store"))
        elide: Text.ElideMiddle
    }
}
