#!/bin/sh
# System requirements of `make report` and `make test`, checked in well under a second.
#
#   tools/system-deps.sh report   # what the report needs: fonts, WeasyPrint's libraries, venv
#   tools/system-deps.sh test     # the same plus what the tests read PDFs and pages with
#
# Missing Debian packages are installed with apt-get when run as root (or with sudo when it works
# without a password), saying what is installed; otherwise the script stops at once with the one
# command to run. This is the only list of system packages: .ci/run and README use it.
set -eu

# Debian package -> why the workbench needs it.
REPORT_PACKAGES="
python3-venv:the project's virtual environment (python -m venv)
fonts-noto-cjk:the Chinese report's font (Noto Sans CJK SC)
fonts-dejavu-core:the English report's font (DejaVu Sans)
libpango-1.0-0:WeasyPrint's text layout (PDF rendering)
libpangoft2-1.0-0:WeasyPrint's font handling (PDF rendering)
libharfbuzz-subset0:fast font subsetting in WeasyPrint
"
TEST_PACKAGES="
poppler-utils:pdftotext/pdffonts/pdftoppm, the tests read the PDFs back
chromium:the batch test opens the index page in a headless browser
"

case "${1:-report}" in
    report) wanted="$REPORT_PACKAGES" ;;
    test) wanted="$REPORT_PACKAGES$TEST_PACKAGES" ;;
    *) echo "usage: $0 report|test" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "note: not a Debian/Ubuntu system; make sure these are installed:" >&2
    echo "$wanted" | sed -n 's/^\([^:]*\):\(.*\)$/  \1 (\2)/p' >&2
    exit 0
fi

missing=$(echo "$wanted" | while IFS=: read -r pkg why; do
    [ -n "$pkg" ] || continue
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in *"install ok installed"*) ;; *) echo "$pkg" ;; esac
done | tr '\n' ' ')
missing=$(echo "$missing" | sed 's/ *$//')
[ -z "$missing" ] && exit 0

echo "$wanted" | while IFS=: read -r pkg why; do
    case " $missing " in *" $pkg "*) echo "missing system package: $pkg ($why)" ;; esac
done

if [ "$(id -u)" = 0 ]; then
    apt_get="apt-get"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get="sudo apt-get"
else
    echo "Install them once, as root, then run make again:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    exit 1
fi
echo "installing: $missing"
export DEBIAN_FRONTEND=noninteractive
$apt_get update -qq
# shellcheck disable=SC2086
$apt_get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed: $missing"
