#!/usr/bin/env bash
# Regenerates face_attendance/i18n/face_attendance.pot with Odoo's own exporter and merges it into
# every .po file there. Run it after adding or changing a translatable string (Python _()/env._(),
# views, menus, field strings, OWL templates); face_attendance/tests/test_i18n.py fails until then.
#
# The template comes from Odoo 18 (FA_I18N_ODOO_VERSION), on a throwaway database (FA_I18N_DB)
# with only the addon and its dependencies installed, dropped afterwards. Idempotent: when the
# terms did not change the files are left byte for byte as they were (Odoo stamps every export
# with the time, which alone would be a diff).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

use_odoo "${FA_I18N_ODOO_VERSION:-18}"
setup_all

I18N_DIR="$PROJECT_ROOT/face_attendance/i18n"
POT="$I18N_DIR/face_attendance.pot"
I18N_DB="${FA_I18N_DB:-fa_i18n_export_$$}"
export PGPASSWORD="${PGPASSWORD:-$FA_DB_PASSWORD}"
WORK="$(mktemp -d)"
drop_db() { dropdb -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" --if-exists "$I18N_DB" 2>/dev/null || true; }
trap 'drop_db; rm -rf "$WORK"' EXIT
mkdir -p "$I18N_DIR"

# msgmerge (Debian's gettext) keeps translations of reworded strings as fuzzy suggestions, which
# polib's merge cannot; polib stays the fallback where gettext cannot be installed.
if ! command -v msgmerge >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing gettext from Debian (msgmerge)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null; } \
        || log "could not install gettext: merging with polib instead"
fi

drop_db
log "installing face_attendance on a throwaway database $I18N_DB (Odoo $FA_ODOO_MAJOR)"
# Its filestore goes to the temporary directory too, not beside real databases' ones.
odoo_cmd -d "$I18N_DB" -i face_attendance --stop-after-init --without-demo=all --workers=0 \
    --max-cron-threads=0 --data-dir="$WORK/data" --log-level=warn --logfile= >"$WORK/install.log" 2>&1 \
    || { tail -n 40 "$WORK/install.log" >&2; die "installing the addon failed (log above)"; }
# Odoo logs an installation that failed to load a module without failing itself: check the state.
[ "$(psql -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" -d "$I18N_DB" -qtAc \
    "SELECT state FROM ir_module_module WHERE name = 'face_attendance'")" = installed ] \
    || { tail -n 40 "$WORK/install.log" >&2; die "face_attendance is not installed on $I18N_DB (log above)"; }

log "exporting the translation template"
# No --language: Odoo writes a template (every msgstr empty).
odoo_cmd -d "$I18N_DB" --i18n-export="$WORK/face_attendance.pot" --modules=face_attendance \
    --data-dir="$WORK/data" --log-level=warn --logfile= >"$WORK/export.log" 2>&1 \
    || { tail -n 40 "$WORK/export.log" >&2; die "the export failed (log above)"; }
grep -q '^msgid "..*"' "$WORK/face_attendance.pot" || die "the exported template holds no term"

strip_dates() { grep -v -e '^"POT-Creation-Date: ' -e '^"PO-Revision-Date: ' "$1"; }
if [ -f "$POT" ] && cmp -s <(strip_dates "$POT") <(strip_dates "$WORK/face_attendance.pot"); then
    log "face_attendance.pot: unchanged"
else
    cp "$WORK/face_attendance.pot" "$POT"
    log "face_attendance.pot: written"
fi

for po in "$I18N_DIR"/*.po; do
    [ -e "$po" ] || continue
    if command -v msgmerge >/dev/null; then
        # --previous keeps the old msgid beside a fuzzy suggestion for the translator; entries
        # whose msgid left the code are dropped rather than kept as obsolete (#~) clutter.
        msgmerge --quiet --previous --output-file="$WORK/merged.po" "$po" "$POT"
        msgattrib --no-obsolete --output-file="$WORK/new.po" "$WORK/merged.po"
    else
        "$FA_VENV/bin/python" - "$po" "$POT" "$WORK/new.po" <<'PY'
import sys
import polib
po, pot = polib.pofile(sys.argv[1], wrapwidth=78), polib.pofile(sys.argv[2])
po.merge(pot)
po.metadata['POT-Creation-Date'] = pot.metadata.get('POT-Creation-Date', '')
for entry in [e for e in po if e.obsolete]:
    po.remove(entry)
po.save(sys.argv[3])
PY
    fi
    if cmp -s "$po" "$WORK/new.po"; then
        log "$(basename "$po"): unchanged"
    else
        cp "$WORK/new.po" "$po"
        log "$(basename "$po"): merged"
    fi
done

# Entries of a PO text, its header (msgid "") left out.
count_terms() { local n; n="$(grep -c '^msgid ' || true)"; echo $((n > 0 ? n - 1 : 0)); }
# What still needs a translator (fuzzy or empty entries); the test fails on each of them.
if command -v msgattrib >/dev/null; then
    for po in "$I18N_DIR"/*.po; do
        [ -e "$po" ] || continue
        todo=$(( $(msgattrib --only-fuzzy "$po" | count_terms) + $(msgattrib --untranslated "$po" | count_terms) ))
        [ "$todo" = 0 ] || log "$(basename "$po"): $todo term(s) to translate (fuzzy or empty)"
    done
fi
log "$(count_terms < "$POT") terms in face_attendance.pot"
