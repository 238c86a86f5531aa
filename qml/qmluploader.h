#pragma once

#include "qmltransferclient.h"

#include <QtCore/QUrl>
#include <QtCore/QVariantMap>

namespace Background {

// Uploader { storePath: ...; onFinished: (identifier, response) => ... }
// Qualified: the type registrar resolves the base (and so the inherited members) by this name.
class QmlUploader : public Background::QmlTransferClient
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Uploader)

public:
    explicit QmlUploader(QObject *parent = nullptr);

    // Starts, joins or resumes the upload named `identifier`; its end comes with finished()
    // (and to `callback(response)`); response.body holds the server's answer. options:
    // method ("PUT", "POST", "PATCH"), tus (bool), chunkSize, tusChecksum, contentType,
    // multipart (bool), fields ({name: value}, implies multipart), fileField, fileName,
    // priority, headers. False when an option is invalid; finished() still reports that.
    Q_INVOKABLE bool upload(const QString &filePath,
                            const QUrl &url,
                            const QString &identifier,
                            const QVariantMap &options = {},
                            const QJSValue &callback = {});

protected:
    QObject *createClient(const SessionConfiguration &configuration) override;
};

} // namespace Background
