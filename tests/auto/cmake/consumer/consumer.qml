import QtQml
import Background

// Loaded by main.cpp with the installed module on the import path: the same download through QML.
QtObject {
    id: root
    property string url
    property string destination
    property string storePath
    property string outcome: ""
    property int rows: model.count

    property Downloader downloader: Downloader {
        storePath: root.storePath
        onFinished: (identifier, response) => {
            root.outcome = response.outcome === NetworkResponse.Success ? "success"
                                                                         : response.outcomeName
        }
    }
    property TransferModel model: TransferModel {
        storePath: root.storePath
    }

    function start() {
        return downloader.download(url, "qml-consumer", destination)
    }
}
