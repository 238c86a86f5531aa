#pragma once

#include "qmltransferclient.h"

#include <QtCore/QUrl>
#include <QtCore/QVariantMap>

namespace Background {

// Downloader { storePath: ...; onFinished: (identifier, response) => ... }
// Qualified: the type registrar resolves the base (and so the inherited members) by this name.
class QmlDownloader : public Background::QmlTransferClient
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Downloader)

public:
    explicit QmlDownloader(QObject *parent = nullptr);

    // Starts, joins or resumes the download named `identifier`; its end comes with finished()
    // (and to `callback(response)`). options: sha256 (hex), priority (TransferInfo.High or
    // "high"), headers ({name: value}). False when an option is invalid; finished() still
    // reports that as Failed/InvalidRequest.
    Q_INVOKABLE bool download(const QUrl &url,
                              const QString &identifier,
                              const QString &filePath,
                              const QVariantMap &options = {},
                              const QJSValue &callback = {});

protected:
    QObject *createClient(const SessionConfiguration &configuration) override;
};

} // namespace Background
