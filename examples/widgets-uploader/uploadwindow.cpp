#include "uploadwindow.h"

#include <uploader.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QFileInfo>
#include <QtNetwork/QNetworkRequest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>

using Background::NetworkResponse;
using Background::TransferInfo;

UploadWindow::UploadWindow(QWidget *parent)
    : QWidget(parent)
    // The default session: a store under AppLocalDataLocation; unfinished uploads continue.
    , m_uploader(new Background::Uploader(this))
    , m_file(new QLineEdit(this))
    , m_url(new QLineEdit(this))
    , m_tus(new QCheckBox(tr("Resumable (tus 1.0 server)"), this))
    , m_start(new QPushButton(tr("Upload"), this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_bar(new QProgressBar(this))
    , m_status(new QLabel(this))
{
    setWindowTitle(tr("Background uploader"));
    auto *browse = new QPushButton(tr("Choose…"), this);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file);
    fileRow->addWidget(browse);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_cancel);
    auto *form = new QFormLayout(this);
    form->addRow(tr("File"), fileRow);
    form->addRow(tr("URL"), m_url);
    form->addRow(QString(), m_tus);
    form->addRow(buttons);
    form->addRow(m_bar);
    form->addRow(m_status);
    m_url->setPlaceholderText(QStringLiteral("https://example.com/upload"));
    m_status->setWordWrap(true);

    connect(browse, &QPushButton::clicked, this, &UploadWindow::chooseFile);
    connect(m_start, &QPushButton::clicked, this, &UploadWindow::startUpload);
    connect(m_pause, &QPushButton::clicked, this, &UploadWindow::togglePause);
    connect(m_cancel, &QPushButton::clicked, this, &UploadWindow::cancelUpload);
    //! [connect]
    connect(m_uploader, &Background::Uploader::progress, this, &UploadWindow::onProgress);
    connect(m_uploader, &Background::Uploader::stateChanged, this, &UploadWindow::onStateChanged);
    connect(m_uploader, &Background::Uploader::finished, this, &UploadWindow::onFinished);
    //! [connect]

    if (m_uploader->storeError() != NetworkResponse::Error::NoError) {
        showIdle(m_uploader->storeErrorString());
        m_start->setEnabled(false);
        return;
    }
    //! [pending]
    // An upload left unfinished by an earlier run continues by itself; show it.
    const QStringList pending = m_uploader->pendingIdentifiers();
    if (!pending.isEmpty()) {
        follow(pending.first());
        if (const auto info = m_uploader->transfer(m_current)) {
            m_file->setText(info->localPath);
            m_url->setText(info->url.toString());
            m_paused = info->state == TransferInfo::State::Paused;
            m_pause->setText(m_paused ? tr("Resume") : tr("Pause"));
            m_status->setText(tr("Continuing the upload of %1").arg(info->localPath));
        }
    } else {
        showIdle(tr("Choose a file and a URL."));
    }
    //! [pending]
}

void UploadWindow::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("File to upload"));
    if (!path.isEmpty())
        m_file->setText(path);
}

void UploadWindow::startUpload()
{
    const QString path = QFileInfo(m_file->text()).absoluteFilePath();
    const QUrl url = QUrl::fromUserInput(m_url->text());
    if (!QFileInfo(path).isFile() || !url.isValid()) {
        m_status->setText(tr("Choose an existing file and a valid URL."));
        return;
    }
    //! [start]
    // The same file to the same URL is the same upload: asking again joins or resumes it.
    const QString identifier = QStringLiteral("widgets-uploader-")
                               + QString::fromLatin1(
                                       QCryptographicHash::hash((path + url.toString()).toUtf8(),
                                                                QCryptographicHash::Sha1)
                                               .toHex()
                                               .left(16));
    Background::UploadOptions options;
    if (m_tus->isChecked())
        options.protocol = Background::UploadOptions::Protocol::Tus;
    follow(identifier);
    m_status->setText(tr("Uploading %1…").arg(path));
    // The result also arrives through finished(); the future is not needed here.
    m_uploader->networkResponse(QNetworkRequest(url), path, identifier, options);
    //! [start]
}

void UploadWindow::togglePause()
{
    if (m_current.isEmpty())
        return;
    if (m_paused) {
        m_uploader->resume(m_current);
    } else {
        m_uploader->pause(m_current);
    }
}

void UploadWindow::cancelUpload()
{
    if (!m_current.isEmpty() && m_uploader->cancel(m_current))
        showIdle(tr("Canceled."));
}

void UploadWindow::follow(const QString &identifier)
{
    m_current = identifier;
    m_paused = false;
    m_bar->setRange(0, 0); // busy until the size is known
    m_start->setEnabled(false);
    m_pause->setEnabled(true);
    m_pause->setText(tr("Pause"));
    m_cancel->setEnabled(true);
}

void UploadWindow::showIdle(const QString &message)
{
    m_current.clear();
    m_start->setEnabled(true);
    m_pause->setEnabled(false);
    m_cancel->setEnabled(false);
    m_status->setText(message);
}

void UploadWindow::onProgress(const QString &identifier, qint64 bytesSent, qint64 bytesTotal)
{
    if (identifier != m_current || bytesTotal <= 0)
        return;
    // Per mille keeps the bar's int range for files over 2 GiB.
    m_bar->setRange(0, 1000);
    m_bar->setValue(int(bytesSent * 1000 / bytesTotal));
}

void UploadWindow::onStateChanged(const QString &identifier, TransferInfo::State state)
{
    if (identifier != m_current)
        return;
    m_paused = state == TransferInfo::State::Paused;
    m_pause->setText(m_paused ? tr("Resume") : tr("Pause"));
    if (state != TransferInfo::State::Finished && state != TransferInfo::State::Running)
        m_status->setText(tr("Upload %1").arg(TransferInfo::stateName(state)));
    else if (state == TransferInfo::State::Running)
        m_status->setText(tr("Uploading…"));
}

void UploadWindow::onFinished(const QString &identifier, const NetworkResponse &response)
{
    if (identifier != m_current)
        return;
    //! [finished]
    switch (response.outcome()) {
    case NetworkResponse::Outcome::Success:
        m_bar->setRange(0, 1000);
        m_bar->setValue(1000);
        showIdle(tr("Done: the server answered %1.").arg(response.httpStatus()));
        break;
    case NetworkResponse::Outcome::Rejected:
        showIdle(tr("The server refused the upload (%1).").arg(response.httpStatus()));
        break;
    case NetworkResponse::Outcome::Retry:
        showIdle(tr("Not now: try again%1.")
                         .arg(response.retryAfter()
                                      ? tr(" in %1 s").arg(response.retryAfter()->count())
                                      : QString()));
        break;
    case NetworkResponse::Outcome::Failed:
        showIdle(tr("Failed: %1").arg(response.errorString()));
        break;
    }
    // Keep the store small: this app shows only the last result.
    m_uploader->forget(identifier);
    //! [finished]
}
