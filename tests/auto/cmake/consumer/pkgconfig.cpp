// Built with nothing but `pkg-config --cflags --libs background`: the headers resolve under both
// spellings and the library links and loads.
#include <Background/background_version.h>
#include <networkresponse.h>

#include <cstdio>

int main()
{
    const Background::NetworkResponse response = Background::NetworkResponse::failure(
            QStringLiteral("pkg-config"),
            Background::NetworkResponse::Error::InvalidRequest,
            QStringLiteral("checked"));
    if (response.outcome() != Background::NetworkResponse::Outcome::Failed)
        return 1;
    if (Background::libraryVersion().toString() != QLatin1String(BACKGROUND_VERSION_STR))
        return 2;
    std::printf("pkg-config consumer: Background %s\n", BACKGROUND_VERSION_STR);
    return 0;
}
