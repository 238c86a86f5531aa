#include "uploadoptions.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace Background {

/*!
    \class Background::UploadOptions
    \inmodule Background
    \inheaderfile Background/uploadoptions.h
    \brief How Uploader sends a file: the method, the body, and the protocol.

    The defaults send one PUT request whose body is the file, as
    \c application/octet-stream:

    \snippet uploader.cpp options

    With \l body set to Body::Multipart, the body is a multipart/form-data form: the text
    \l fields first, in order, then the file as the part named \l fileField. Note that the
    method stays PUT unless \l method says otherwise; HTML-style form endpoints usually want
    Method::Post.

    \snippet uploader.cpp multipart

    With \l protocol set to Protocol::Tus, the request URL is the creation endpoint of a
    \l {https://tus.io/protocols/resumable-upload}{tus 1.0} server. The upload is created with
    a POST that carries its length and metadata, its URL is stored, and the file is sent with
    PATCH requests from the offset the server reports, so an interrupted upload continues
    where the server stopped, also after the process was killed. Core, creation and
    termination are used, and the checksum extension when \l tusChecksum asks for it.
    \l method and \l body do not apply: a tus upload sends the file itself, and a multipart
    tus upload is refused. \l fileName and \l contentType are sent in \c Upload-Metadata as
    \c filename and \c filetype, followed by the \l fields under their own names.

    \snippet uploader.cpp tus

    Options that cannot be used make Uploader::networkResponse() answer \c Failed with
    \c InvalidRequest at once: for tus, a multipart body, a negative \l chunkSize, and a
    metadata key that is empty, repeats (\c filename and \c filetype included), or holds a
    space, a comma, a control character or a character outside ASCII.

    The options are stored with the upload when it is first asked for, so a retry, a
    resume() and a restart send the same body the same way.

    \sa Background::Uploader
*/

/*!
    \enum Background::UploadOptions::Protocol
    \brief How the file reaches the server.

    \value Http One request with the whole body. After an interruption, a pause or a restart
    the whole body is sent again, from its first byte.
    \value Tus The tus 1.0 resumable upload protocol: the upload is created on the server,
    then sent with PATCH requests from the server's offset, so an interrupted upload
    continues where it stopped.
*/

/*!
    \enum Background::UploadOptions::Method
    \brief The HTTP method of a plain upload (Protocol::Http).

    \value Put \c PUT, the default.
    \value Post \c POST, the usual choice for a multipart form.
    \value Patch \c PATCH.

    \sa methodName()
*/

/*!
    \enum Background::UploadOptions::Body
    \brief What the body of a plain upload (Protocol::Http) is made of.

    \value Raw The file itself, with the Content-Type \l contentType.
    \value Multipart A multipart/form-data form: the text \l fields, then the file as the
    part \l fileField, named \l fileName.
*/

/*!
    \variable Background::UploadOptions::method
    \brief The HTTP method of a plain upload; Method::Put by default.

    Not used by tus uploads.
*/

/*!
    \variable Background::UploadOptions::body
    \brief Whether the file is the body (Body::Raw, the default) or part of a
    multipart/form-data form (Body::Multipart).

    Must be Body::Raw for a tus upload.
*/

/*!
    \variable Background::UploadOptions::contentType
    \brief The media type of the file.

    With Body::Raw it is the request's Content-Type, \c application/octet-stream when empty
    (the default). With Body::Multipart it is the Content-Type of the file's part, and with
    Protocol::Tus the \c filetype metadata; in both cases, when empty, the type is guessed
    from the file's name and contents.
*/

/*!
    \variable Background::UploadOptions::fileField
    \brief The name of the form part that holds the file in a multipart upload; \c file by
    default.
*/

/*!
    \variable Background::UploadOptions::fileName
    \brief The file name the server is told: the \c filename of the file's part in a
    multipart upload, or the \c filename metadata of a tus upload.

    When empty (the default), the name of the uploaded file is used. A raw plain upload does
    not send it.
*/

/*!
    \variable Background::UploadOptions::fields
    \brief Name and value pairs sent with the file.

    In a multipart upload they are text parts, in this order, before the file. In a tus
    upload they are \c Upload-Metadata entries after \c filename and \c filetype; their names
    must be unique, non-empty, printable ASCII without spaces or commas, and may not be
    \c filename or \c filetype. A raw plain upload does not send them.
*/

/*!
    \variable Background::UploadOptions::protocol
    \brief Protocol::Http (the default) for a plain upload, or Protocol::Tus for a resumable
    one.
*/

/*!
    \variable Background::UploadOptions::chunkSize
    \brief For tus uploads, the most bytes one PATCH request carries.

    0 (the default) sends the whole rest of the file in one PATCH. A limit helps with
    proxies or servers that refuse large requests. The offset the server confirms after each
    PATCH is stored. It must not be negative. Not used by plain uploads.
*/

/*!
    \variable Background::UploadOptions::tusChecksum
    \brief For tus uploads, whether each PATCH carries a SHA-1 checksum of its chunk;
    \c false by default.

    When it is \c true, an OPTIONS request first asks the server which checksum algorithms
    it takes. If it lists \c sha1, every PATCH carries an \c Upload-Checksum
    header, at the cost of reading each chunk once more before it is sent; a chunk the
    server finds corrupt is sent again. Otherwise the chunks are sent without one. Not used
    by plain uploads.
*/

/*!
    \variable Background::UploadOptions::priority
    \brief Where the upload stands in the queue; \c Normal by default.

    Queued transfers of a higher \l {Background::TransferInfo::Priority}{priority} start
    before those of a lower one, and within one priority the first asked for starts first.
    It is set when the upload is first asked for, is stored in its own column, and is not
    part of serialize().
*/

/*!
    \fn bool Background::UploadOptions::operator==(const Background::UploadOptions &a, const Background::UploadOptions &b)

    Returns \c true when every field of \a a, priority included, equals that of \a b.
*/

/*!
    Returns the name of \a method as sent on the wire: \c PUT, \c POST or \c PATCH.
*/
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

/*!
    Returns these options as compact JSON, as the store keeps them with an upload.

    Every field except \l priority is included; the tus fields only when \l protocol is
    Protocol::Tus.

    \sa deserialize()
*/
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

/*!
    Returns the options that serialize() wrote into \a data.

    Missing or unknown values read back as their defaults, so data that is not such JSON
    gives default options; \l priority is always \c Normal.

    \sa serialize()
*/
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
