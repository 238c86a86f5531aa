import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One row of TransferModel: name, state, progress, speed and time left, the outcome, buttons.
Frame {
    id: row

    //! [roles]
    required property string identifier
    required property string kind
    required property string stateName
    required property real progress
    required property double bytesDone
    required property double bytesTotal
    required property double speed
    required property double eta
    required property int outcome // -1 while unfinished
    required property int httpStatus
    required property string errorString
    required property int attempts
    //! [roles]

    signal pauseClicked
    signal resumeClicked
    signal cancelClicked
    signal forgetClicked

    readonly property bool finished: stateName === "finished"
    readonly property bool paused: stateName === "paused"

    function size(bytes) {
        if (bytes < 0)
            return "?"
        const units = ["B", "KiB", "MiB", "GiB", "TiB"]
        let i = 0
        while (bytes >= 1024 && i < units.length - 1) {
            bytes /= 1024
            ++i
        }
        return (i === 0 ? bytes : bytes.toFixed(1)) + " " + units[i]
    }

    function timeLeft(seconds) {
        if (seconds < 0)
            return ""
        if (seconds < 60)
            return qsTr("%1 s left").arg(seconds)
        if (seconds < 3600)
            return qsTr("%1 min left").arg(Math.ceil(seconds / 60))
        return qsTr("%1 h left").arg((seconds / 3600).toFixed(1))
    }

    ColumnLayout {
        anchors.fill: parent
        RowLayout {
            Label {
                text: row.identifier
                font.bold: true
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Label {
                // A finished transfer shows its outcome: success, rejected, retry or failed.
                text: row.finished ? ["done", "rejected", "retry later", "failed"][row.outcome]
                                   : row.stateName
                color: row.finished && row.outcome !== 0 ? "firebrick" : palette.text
            }
        }
        ProgressBar {
            Layout.fillWidth: true
            from: 0
            to: 1
            value: row.progress < 0 ? 0 : row.progress
            indeterminate: row.progress < 0 && row.stateName === "running"
        }
        RowLayout {
            Label {
                Layout.fillWidth: true
                text: {
                    let parts = [row.size(row.bytesDone) + " / " + row.size(row.bytesTotal)]
                    if (row.speed > 0)
                        parts.push(row.size(row.speed) + "/s")
                    if (row.eta >= 0 && !row.finished)
                        parts.push(row.timeLeft(row.eta))
                    if (row.errorString.length > 0)
                        parts.push(row.errorString)
                    else if (row.finished && row.httpStatus > 0)
                        parts.push(qsTr("HTTP %1").arg(row.httpStatus))
                    return parts.join(" · ")
                }
                elide: Text.ElideRight
            }
            Button {
                visible: !row.finished
                text: row.paused ? qsTr("Resume") : qsTr("Pause")
                onClicked: row.paused ? row.resumeClicked() : row.pauseClicked()
            }
            Button {
                visible: !row.finished
                text: qsTr("Cancel")
                onClicked: row.cancelClicked()
            }
            Button {
                visible: row.finished
                text: qsTr("Forget")
                onClicked: row.forgetClicked()
            }
        }
    }
}
