#pragma once

#include <networkresponse.h>
#include <transferinfo.h>

#include <QtWidgets/QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace Background {
class Uploader;
}

// One upload at a time: the file, the URL, a progress bar, pause/resume/cancel and the result.
class UploadWindow : public QWidget
{
    Q_OBJECT
public:
    explicit UploadWindow(QWidget *parent = nullptr);

private Q_SLOTS:
    void chooseFile();
    void startUpload();
    void togglePause();
    void cancelUpload();
    void onProgress(const QString &identifier, qint64 bytesSent, qint64 bytesTotal);
    void onStateChanged(const QString &identifier, Background::TransferInfo::State state);
    void onFinished(const QString &identifier, const Background::NetworkResponse &response);

private:
    void follow(const QString &identifier);
    void showIdle(const QString &message);

    Background::Uploader *m_uploader;
    QLineEdit *m_file;
    QLineEdit *m_url;
    QCheckBox *m_tus;
    QPushButton *m_start;
    QPushButton *m_pause;
    QPushButton *m_cancel;
    QProgressBar *m_bar;
    QLabel *m_status;
    QString m_current; // the identifier shown, empty when idle
    bool m_paused = false;
};
