"""Translations keep up with the code: every term of the template is translated in French and
Spanish with the same placeholders, the French reaches menus, field labels, Python messages and
the web client, and the committed template is still what the code holds."""

import re
import warnings
from collections import Counter

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, TranslationModuleReader

MODULE = "face_attendance"
LANGS = ("fr", "es")
REGENERATE = "run scripts/i18n_export.sh, then translate what it reports as fuzzy or empty"

# printf-style (%s, %(name)s, %(sharp).0f, %%), brace-style ({name}) placeholders and HTML tags: a
# translation that loses or adds one breaks formatting (Python raises, the original is shown) or
# the view's markup.
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{\w*(?:\.\w+)*\}")
TAGS = re.compile(r"</?[A-Za-z][\w.-]*")


def _signature(text):
    return Counter(PRINTF.findall(text) + BRACES.findall(text) + TAGS.findall(text) + ["\n"] * text.count("\n"))


def _po(name):
    # PoFileReader merges a .po with the module's .pot (as Odoo does when it loads translations):
    # a term of the template missing from the .po shows up as an entry without translation.
    return PoFileReader(file_path(f"{MODULE}/i18n/{name}")).pofile


@tagged("post_install", "-at_install", "face_attendance")
class TestI18n(TransactionCase):
    def test_every_term_translated_with_the_same_placeholders(self):
        template = [entry for entry in _po(f"{MODULE}.pot") if not entry.obsolete]
        self.assertGreater(len(template), 400, "the template lost most of its terms")
        self.assertFalse([e.msgid for e in template if e.msgstr], "a template carries no translation")
        for lang in LANGS:
            po = _po(f"{lang}.po")
            self.assertEqual(po.metadata.get("Language"), lang)
            self.assertIn("charset=UTF-8", po.metadata.get("Content-Type", ""))
            self.assertRegex(po.metadata.get("Plural-Forms", ""), r"^nplurals=\d+; plural=.+;$")
            entries = {entry.msgid: entry for entry in po if not entry.obsolete}
            problems = []
            for source in template:
                entry = entries.get(source.msgid)
                if entry is None or not entry.msgstr:
                    problems.append(f"not translated: {source.msgid!r}")
                elif entry.fuzzy:
                    problems.append(f"fuzzy (to check): {source.msgid!r}")
                elif _signature(entry.msgstr) != _signature(source.msgid):
                    problems.append(f"placeholders or tags differ: {source.msgid!r} -> {entry.msgstr!r}")
                elif any("ir.actions.report,print_report_name" in where for where, _line in source.occurrences):
                    # The report's file name is a Python expression, translated as a whole.
                    try:
                        compile(entry.msgstr, "print_report_name", "eval")
                    except SyntaxError as error:
                        problems.append(f"not a Python expression: {entry.msgstr!r} ({error})")
            self.assertFalse(problems, f"{lang}.po is behind the template ({REGENERATE}):\n" + "\n".join(problems))

    def test_french_reaches_menus_labels_messages_and_the_web_client(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._get(MODULE)._update_translations(["fr_FR"])
        env_fr = self.env(context=dict(self.env.context, lang="fr_FR"))

        self.assertEqual(env_fr.ref("face_attendance.menu_face_persons").name, "Personnes")
        self.assertEqual(env_fr.ref("face_attendance.menu_face_live_monitor").name, "Suivi en direct")
        fields = env_fr["hr.employee"].fields_get(["person_ref", "face_status"], ["string", "selection"])
        self.assertEqual(fields["person_ref"]["string"], "ID de la personne")
        self.assertIn(("none", "Aucun visage"), [tuple(option) for option in fields["face_status"]["selection"]])

        # A message raised by the addon's Python code, in the caller's language.
        with self.assertRaises(ValidationError) as caught:
            env_fr["face.attendance.config"].sudo().set("no_such_setting", 1)
        self.assertTrue(
            str(caught.exception).startswith("Paramètre inconnu no_such_setting ; paramètres connus : "),
            str(caught.exception),
        )

        # The web client's terms (OWL templates and _t() in static/src) are served per module;
        # 19 made the method private.
        http = self.env["ir.http"]
        for_webclient = getattr(http, "get_translations_for_webclient", None) or http._get_translations_for_webclient
        translations, lang_params = for_webclient([MODULE], "fr_FR")
        self.assertEqual(lang_params["code"], "fr_FR")
        served = {message["id"]: message["string"] for message in translations[MODULE]["messages"]}
        self.assertEqual(served.get("Live monitor"), "Suivi en direct")
        self.assertEqual(served.get("Enrol faces:"), "Enregistrer des visages :")
        web_terms = {
            entry.msgid for entry in _po(f"{MODULE}.pot") if "odoo-javascript" in entry.comment and not entry.obsolete
        }
        self.assertTrue(web_terms)
        self.assertEqual(web_terms - set(served), set(), "web terms the client would show in English")

    def test_template_matches_the_code(self):
        # The same reader Odoo's exporter (odoo-bin --i18n-export) uses, on this database. Babel
        # imports pkg_resources to look up extractors, which setuptools now warns about with a
        # stack trace in the log: not ours to fix.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        extracted = {source for _module, _type, _name, _res_id, source, _value, _comments in reader}
        committed = {entry.msgid for entry in _po(f"{MODULE}.pot") if not entry.obsolete}
        new, gone = sorted(extracted - committed), sorted(committed - extracted)
        self.assertFalse(
            new or gone,
            f"face_attendance/i18n/face_attendance.pot is out of date: {REGENERATE}.\n"
            f"In the code, not in the template: {new}\nIn the template, no longer in the code: {gone}",
        )
