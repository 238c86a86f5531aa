#include "qmluploader.h"

#include <QtNetwork/QNetworkRequest>

namespace Background {

namespace {

bool parseUploadOptions(const QVariantMap &options, UploadOptions *out, QString *why)
{
    const QString method = options.value(QStringLiteral("method")).toString().toUpper();
    if (method == QLatin1String("POST")) {
        out->method = UploadOptions::Method::Post;
    } else if (method == QLatin1String("PATCH")) {
        out->method = UploadOptions::Method::Patch;
    } else if (!method.isEmpty() && method != QLatin1String("PUT")) {
        *why = QStringLiteral("Unknown upload method: %1").arg(method);
        return false;
    }
    if (options.value(QStringLiteral("tus")).toBool())
        out->protocol = UploadOptions::Protocol::Tus;
    out->chunkSize = options.value(QStringLiteral("chunkSize"), 0).toLongLong();
    out->tusChecksum = options.value(QStringLiteral("tusChecksum")).toBool();
    out->contentType = options.value(QStringLiteral("contentType")).toString().toUtf8();
    if (options.contains(QStringLiteral("fileField")))
        out->fileField = options.value(QStringLiteral("fileField")).toString();
    out->fileName = options.value(QStringLiteral("fileName")).toString();
    const QVariant fields = options.value(QStringLiteral("fields"));
    if (fields.isValid() && !fields.isNull()) {
        if (!fields.canConvert<QVariantMap>()) {
            *why = QStringLiteral("fields must be an object of name: value pairs");
            return false;
        }
        const QVariantMap map = fields.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            out->fields.append({it.key(), it.value().toString()});
        out->body = UploadOptions::Body::Multipart;
    }
    if (options.value(QStringLiteral("multipart")).toBool())
        out->body = UploadOptions::Body::Multipart;
    return true;
}

} // namespace

QmlUploader::QmlUploader(QObject *parent)
    : QmlTransferClient(parent)
{}

QObject *QmlUploader::createClient(const SessionConfiguration &configuration)
{
    auto *uploader = new Uploader(configuration, this);
    connectClient(uploader);
    return uploader;
}

bool QmlUploader::upload(const QString &filePath,
                         const QUrl &url,
                         const QString &identifier,
                         const QVariantMap &options,
                         const QJSValue &callback)
{
    QNetworkRequest request(url);
    UploadOptions uploadOptions;
    QString why;
    if (!parseUploadOptions(options, &uploadOptions, &why)
        || !parsePriority(options, &uploadOptions.priority, &why)
        || !applyHeaders(options, &request, &why) || !ensureClient()) {
        failLater(identifier, why, callback);
        return false;
    }
    auto *uploader = static_cast<Uploader *>(client());
    track(identifier,
          uploader->networkResponse(request, filePath, identifier, uploadOptions),
          callback);
    return true;
}

} // namespace Background
