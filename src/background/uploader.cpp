#include "uploader.h"

#include "clientwiring.h"

namespace Background {

/*!
    \class Background::Uploader
    \inmodule Background
    \inheaderfile Background/uploader.h
    \brief Uploads files over HTTP and HTTPS, or to tus servers, so that they survive the end
    of the process that started them.

    An Uploader is the sending side of \l Background::Downloader: it shares the store, the
    queue, the retries and the rules for identifiers, kept results, pausing and restarts, and
    the same \l Background::NetworkResponse outcomes. Each upload is named by an identifier
    the application chooses; asking again for it joins the running upload, continues an
    unfinished one, or answers with the kept result until forget().

    \section1 Sending a file

    By default the file is the body of a PUT request. The body is always streamed from the
    file, never held in memory:

    \snippet uploader.cpp put

    UploadOptions chooses another method, a multipart/form-data body with text fields, or the
    tus protocol:

    \snippet uploader.cpp multipart

    \section1 An upload in a Qt Widgets window

    The widgets-uploader example drives one upload with signals and slots. It connects the
    signals once:

    \snippet widgets-uploader/uploadwindow.cpp connect

    At start it shows an upload that an earlier run left unfinished; with
    \l {SessionConfiguration::resumeOnStart()}{resumeOnStart} (the default) that
    upload has already been queued again:

    \snippet widgets-uploader/uploadwindow.cpp pending

    An identifier derived from the file and the URL makes asking twice for the same upload
    join or continue it instead of sending it again. The result arrives through finished(),
    so the future is not used:

    \snippet widgets-uploader/uploadwindow.cpp start

    When it is over, the window shows the outcome and forgets the kept result:

    \snippet widgets-uploader/uploadwindow.cpp finished

    \section1 The file must not change

    The file is fingerprinted (size, modification time, and a hash of its first and last
    64 KiB) when the upload is first asked for. Every attempt checks it before it starts,
    and a success is only recorded when it still matches afterwards: if the file changed or
    vanished before the server had all of it, the result is \c Failed with
    \c SourceChanged. Write the file completely, under its final name, before asking for its
    upload.

    \section1 Interruptions and restarts

    A plain HTTP upload (UploadOptions::Protocol::Http) cannot continue where it stopped:
    after a dropped connection, a pause, or the death of its process, it is sent again from
    its first byte, and every such attempt counts against the retry limit. The server may
    therefore receive the body more than once; make the endpoint idempotent (a PUT to a
    fixed name, say).

    A tus 1.0 upload (UploadOptions::Protocol::Tus) is created on the server first, and its
    URL is stored before a byte is sent. An interrupted upload, also one whose process was
    killed, asks the server for its offset and continues from there; an attempt that moved
    the offset does not count against the retry limit. See UploadOptions for what is sent.

    \snippet uploader.cpp tus

    \section1 The server's answer

    The result of an upload is the server's answer to it. Its
    \l {NetworkResponse::body()}{body()} holds up to 1 MiB of the response body;
    a larger one is kept in a file beside the store, named by
    \l {NetworkResponse::bodyFilePath()}{bodyFilePath()} (up to 64 MiB; the rest
    is read and dropped). Both are kept with the result until forget(), which deletes that
    file. \l {NetworkResponse::filePath()}{filePath()} is the uploaded file.

    Redirects 307 and 308 are followed with the same method and the body sent again (for
    tus, only those answering the creation request); 301, 302 and 303 end as \c Rejected
    with \c RedirectRejected, because following them would turn the upload into a GET
    without its body.

    \section1 Errors

    Besides the refusals listed for \l {Background::Downloader}{Downloader} (\c StoreError,
    \c InvalidIdentifier, \c IdentifierConflict, and \c InvalidRequest for a URL that is not
    http or https), networkResponse() answers \c Failed with \c InvalidRequest at once when
    the file is not a readable file, or when the UploadOptions cannot be used for tus (a
    multipart body, a negative chunk size, metadata keys that repeat or are not valid).

    \sa Background::Downloader, Background::UploadOptions, Background::NetworkResponse,
        Background::SessionConfiguration
*/

/*!
    \property Background::Uploader::pendingIdentifiers
    \brief The identifiers of the unfinished uploads in the store, oldest first.

    Unfinished means queued, running, waiting to retry, paused or waiting for the network,
    whichever process started or runs them; an upload with a kept result is not pending.
    The list is read from the store at each call.

    The pendingIdentifiersChanged() signal is emitted when this process starts, finishes,
    cancels or forgets a transfer, or restores unfinished ones from the store. Changes made
    by another process are not signalled.

    \sa transfers()
*/

/*!
    \fn void Background::Uploader::progress(const QString &identifier, qint64 bytesSent, qint64 bytesTotal)

    Emitted while the upload \a identifier sends data: \a bytesSent of \a bytesTotal bytes
    of the request body. For a multipart upload the total includes the form's own parts. For
    a tus upload \a bytesSent counts from the start of the file, so an upload that continues
    starts at the server's offset. \a bytesTotal is -1 while the size is unknown.

    The signal comes at most about ten times a second per transfer, and always once at the
    end. For an upload that another process runs and this one waits for, it reports the
    offset that process recorded.
*/

/*!
    \fn void Background::Uploader::stateChanged(const QString &identifier, Background::TransferInfo::State state)

    Emitted when the upload \a identifier moves to \a state: queued, running, waiting to
    retry, paused, waiting for the network, or finished.

    \c Finished is emitted after finished(). A kept result that networkResponse() answers
    from the store emits neither.

    \sa transfer(), Background::TransferInfo::State
*/

/*!
    \fn void Background::Uploader::finished(const QString &identifier, const Background::NetworkResponse &response)

    Emitted when the upload \a identifier ends with \a response, after the result was
    committed to the store and just after the futures of the callers waiting for it got it.

    It is emitted for every upload of the store that ends while this process runs it or
    waits for it, including one canceled with cancel() (\c Failed, \c Canceled). It is not
    emitted for a kept result that networkResponse() or resume() answers from the store, nor
    for a call refused at once.

    \sa forget()
*/

/*!
    \fn void Background::Uploader::pendingIdentifiersChanged()

    Emitted when the list of pendingIdentifiers may have changed in this process. It is
    shared with the \l Background::Downloader objects on the same store, so it may come
    without a change in the uploads.
*/

/*!
    \fn void Background::Uploader::terminated(const QString &identifier, bool acknowledged)

    Emitted when the DELETE request that cancel() sent for the tus upload \a identifier is
    over. \a acknowledged is \c true when the server answered with a 2xx status, or with 404
    or 410 because it no longer had the upload; it is \c false when the server refused or
    could not be reached. The upload may then stay on the server until the server expires
    it.

    The request carries the application's headers when this process was running the upload,
    and otherwise only those the store kept, without credentials: a server that wants them
    refuses it.

    Not emitted for plain HTTP uploads, nor for a tus upload the server had not created yet.

    \snippet uploader.cpp cancel
*/

class UploaderPrivate
{
public:
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
};

/*!
    Creates an uploader with the default \l Background::SessionConfiguration: the store
    \c background-transfers.sqlite under QStandardPaths::AppLocalDataLocation. \a parent is
    the QObject parent.

    Set the application name (QCoreApplication::setApplicationName()) first: the default
    store's path depends on it.
*/
Uploader::Uploader(QObject *parent)
    : Uploader(SessionConfiguration(), parent)
{}

/*!
    Creates an uploader for the session \a configuration, with the QObject parent \a parent.

    The store is opened (and created when it does not exist) here; check storeError() to
    know whether that worked. A Downloader and an Uploader on the same store share it, and
    identifiers are unique across both. The queue settings of \a configuration apply to
    every Downloader and Uploader of the same store in this thread.
    When \l {SessionConfiguration::resumeOnStart()}{resumeOnStart()} is true and
    this is the first Uploader of the store in this thread, the unfinished uploads of the
    store are queued one event-loop turn later; those whose request carried sensitive
    headers wait for the application to ask for them again.
*/
Uploader::Uploader(const SessionConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<UploaderPrivate>())
{
    d->configuration = configuration;
    d->engine = TransferEngine::forConfiguration(configuration);
    connectClient(this, d->engine.get(), TransferInfo::Kind::Upload);
    connect(d->engine.get(), &TransferEngine::terminated, this, &Uploader::terminated);
}

/*!
    Destroys the uploader.

    The transfers keep running while another Downloader, Uploader or TransferModel uses the
    same store in this thread. When this was the last one, running uploads stop, their
    futures end with \c Failed and \c Canceled, and they stay unfinished in the store for
    the next run (a plain HTTP upload then starts again from its first byte).
*/
Uploader::~Uploader() = default;

/*!
    Returns the session configuration this uploader was created with.
*/
SessionConfiguration Uploader::configuration() const
{
    return d->configuration;
}
/*!
    Returns \c NoError when the store opened, otherwise \c StoreError.

    As for Downloader::storeError(): every call then answers \c Failed with \c StoreError,
    and a corrupt or foreign store stays untouched until recoverStore() moves it aside.

    \sa storeErrorString(), recoverStore()
*/
NetworkResponse::Error Uploader::storeError() const
{
    return d->engine->store().error();
}
/*!
    Returns why the store could not be opened, naming its path, or an empty string when it
    opened.

    \sa storeError()
*/
QString Uploader::storeErrorString() const
{
    return d->engine->store().errorString();
}

/*!
    \overload

    Uploads the file \a filePath with \a request under the name \a identifier, with the
    default UploadOptions: a PUT with the file as the body.
*/
QFuture<NetworkResponse> Uploader::networkResponse(const QNetworkRequest &request,
                                                   const QString &filePath,
                                                   const QString &identifier)
{
    return networkResponse(request, filePath, identifier, UploadOptions());
}

/*!
    Uploads the file \a filePath to the URL of \a request as \a options describe, names the
    transfer \a identifier, and returns a future of the server's answer.

    Note the order of the arguments: the file comes before the identifier, unlike
    Downloader::networkResponse(), where the destination comes last.

    \a filePath must name a readable file when the upload is first asked for; otherwise the
    future is already finished with \c Failed and \c InvalidRequest. Once the upload has
    finished, the application may delete the file: asking again for the identifier with the
    same URL and path still answers with the kept result. The file is fingerprinted when the
    upload is first asked for, and \a options are stored with it: a later call, resume(), and
    a restart send the same body with the same method.

    As with Downloader::networkResponse(), a new identifier is queued; one that is queued or
    running is joined; one running in another process is waited for and taken over when
    that process dies; an unfinished one continues (a plain HTTP upload from its first
    byte, a tus upload from the server's offset); a paused one is waited for until
    resume(); and a finished one answers at once with its kept result. The URL and file must
    match those stored for the identifier, or the result is \c Failed with
    \c IdentifierConflict.

    The \a request's headers are sent with every request of the upload (for tus: the
    creation, HEAD and PATCH requests). Sensitive headers are not stored, and go only to the
    origin of \a request's URL.

    The future never ends without a result and is never canceled.

    \sa resume(), forget(), finished()
*/
QFuture<NetworkResponse> Uploader::networkResponse(const QNetworkRequest &request,
                                                   const QString &filePath,
                                                   const QString &identifier,
                                                   const UploadOptions &options)
{
    return d->engine->upload(request, filePath, identifier, options, d->configuration);
}

/*!
    Continues the upload \a identifier with the request and options the store remembers, and
    returns a future of its result.

    A paused upload is unpaused, in the store, so the process that finds it free first runs
    it. A kept \c Retry result is dropped and the upload continues (a plain HTTP upload from
    its first byte, a tus upload from the server's offset). Any other kept result is
    answered as it is, and an upload already queued or running is joined.

    The stored request has no sensitive headers. A transfer queued or running in this
    process keeps the request it has; when a caller in this process is waiting for the
    transfer because it was paused or another process runs it, that caller's request is used,
    with its headers; otherwise call networkResponse() with the credentials instead.

    An identifier the store does not know ends \c Failed with \c InvalidIdentifier. When
    the file is no longer readable (and the upload is not queued or running here), the future
    ends \c Failed with \c SourceChanged and the store is left as it was: a kept \c Retry
    result stays kept, a paused upload stays paused.

    \sa pause(), resumeAll()
*/
QFuture<NetworkResponse> Uploader::resume(const QString &identifier)
{
    return d->engine->resume(identifier, d->configuration);
}

QStringList Uploader::pendingIdentifiers() const
{
    return d->engine->store().unfinishedIdentifiers(TransferInfo::Kind::Upload);
}

/*!
    Returns a snapshot of every upload in the store, finished or not, whichever process
    started it, oldest first.

    A transfer whose owner died is reported as queued. For a tus upload,
    \l {Background::TransferInfo::remoteUrl}{remoteUrl} is the upload's own URL once the
    server created it. The speed and time left are known only for transfers this process
    runs.

    \sa transfer(), Background::TransferModel
*/
QList<TransferInfo> Uploader::transfers() const
{
    return d->engine->transfers(TransferInfo::Kind::Upload);
}

/*!
    Returns a snapshot of the transfer \a identifier, or \c std::nullopt when the store has
    none by that name.

    Identifiers are unique in a store across downloads and uploads, so this also finds a
    download; check the snapshot's \l {Background::TransferInfo::kind}{kind}.

    \sa transfers()
*/
std::optional<TransferInfo> Uploader::transfer(const QString &identifier) const
{
    return d->engine->transfer(identifier);
}

/*!
    Drops the kept result of the finished transfer \a identifier from the store, with the
    file that held a large response body, so that the identifier can be used again. The
    uploaded file is not touched, and nothing is sent to the server.

    Returns \c false when the store has no such transfer or it has not finished; use cancel()
    to stop an unfinished one.

    \sa cancel(), SessionConfiguration::resultLifetime()
*/
bool Uploader::forget(const QString &identifier)
{
    return d->engine->forget(identifier);
}
/*!
    Stops the unfinished upload \a identifier, drops its record, and ends its futures with
    \c Failed and \c Canceled; finished() is emitted with that result. The identifier can
    then be used again.

    For a tus upload the server has already created, a DELETE request (tus termination) is
    also sent to the upload's URL, and terminated() reports its answer. A plain HTTP upload
    in flight is aborted; whatever the server received of it is up to the server.

    This works on an upload another process runs: that process stops when it next records
    progress (a tus upload, after the PATCH in flight) or, for a plain HTTP upload, when the
    request ends, and reports \c Canceled instead of the server's answer.

    Returns \c false when the store has no such transfer or it has already finished.

    \sa pause(), terminated()
*/
bool Uploader::cancel(const QString &identifier)
{
    return d->engine->cancel(identifier);
}
/*!
    Stops the unfinished upload \a identifier until resume() or resumeAll(). The futures
    waiting for it keep waiting, and stateChanged() reports \c Paused.

    The pause is stored: a paused upload is not restored at start, and networkResponse() for
    it waits instead of starting it. It also stops an upload another process runs; that
    process lets go within a quarter of a second. When it continues, a plain HTTP upload
    starts again from its first byte and a tus upload from the server's offset.

    Returns \c false when the store has no such transfer or it has finished.

    \sa resume(), cancel()
*/
bool Uploader::pause(const QString &identifier)
{
    return d->engine->pause(identifier);
}
/*!
    Unpauses every paused upload of the store and queues every unfinished one this process
    does not have in hand yet, with the requests the store remembers; one that another
    process runs is then waited for, and taken over if that process dies. Returns the number
    of unfinished uploads in the store, those already running included.

    Unlike the restore at start, this also queues uploads whose request carried sensitive
    headers; they are sent without them. Kept results, \c Retry ones included, are not
    touched: resume() continues those one by one.

    \sa resume(), pause()
*/
int Uploader::resumeAll()
{
    return d->engine->resumeAll(TransferInfo::Kind::Upload, d->configuration);
}

} // namespace Background
