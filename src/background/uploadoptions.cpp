#include "uploadoptions.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace Background {

QByteArray UploadOptions::methodName(Method method)
{
    switch (method) {
    case Method::Post:
        return QByteArrayLiteral("POST");
    case Method::Patch:
        return QByteArrayLiteral("PATCH");
    case Method::Put:
        break;
    }
    return QByteArrayLiteral("PUT");
}

QByteArray UploadOptions::serialize() const
{
    QJsonObject o;
    o.insert(QStringLiteral("method"), QString::fromLatin1(methodName(method)));
    o.insert(QStringLiteral("body"),
             body == Body::Multipart ? QStringLiteral("multipart") : QStringLiteral("raw"));
    o.insert(QStringLiteral("contentType"), QString::fromLatin1(contentType));
    o.insert(QStringLiteral("fileField"), fileField);
    o.insert(QStringLiteral("fileName"), fileName);
    QJsonArray list;
    for (const auto &field : fields)
        list.append(QJsonArray{field.first, field.second});
    o.insert(QStringLiteral("fields"), list);
    if (protocol == Protocol::Tus) {
        o.insert(QStringLiteral("protocol"), QStringLiteral("tus"));
        o.insert(QStringLiteral("chunkSize"), chunkSize);
        o.insert(QStringLiteral("tusChecksum"), tusChecksum);
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

UploadOptions UploadOptions::deserialize(const QByteArray &data)
{
    UploadOptions options;
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    const QString method = o.value(QStringLiteral("method")).toString();
    options.method = method == QLatin1String("POST")    ? Method::Post
                     : method == QLatin1String("PATCH") ? Method::Patch
                                                        : Method::Put;
    options.body = o.value(QStringLiteral("body")).toString() == QLatin1String("multipart")
                           ? Body::Multipart
                           : Body::Raw;
    options.contentType = o.value(QStringLiteral("contentType")).toString().toLatin1();
    options.fileField = o.value(QStringLiteral("fileField")).toString(QStringLiteral("file"));
    options.fileName = o.value(QStringLiteral("fileName")).toString();
    const QJsonArray list = o.value(QStringLiteral("fields")).toArray();
    for (const auto &v : list) {
        const QJsonArray pair = v.toArray();
        options.fields.append({pair.at(0).toString(), pair.at(1).toString()});
    }
    options.protocol = o.value(QStringLiteral("protocol")).toString() == QLatin1String("tus")
                               ? Protocol::Tus
                               : Protocol::Http;
    options.chunkSize = qMax<qint64>(0, o.value(QStringLiteral("chunkSize")).toInteger());
    options.tusChecksum = o.value(QStringLiteral("tusChecksum")).toBool();
    return options;
}

} // namespace Background
