#!/usr/bin/env bash
# Writes tiny real manifests made by ffmpeg (2-3 s of lavfi testsrc + sine) into OUT:
#   hls-ts/index.m3u8        HLS VOD, MPEG-TS segments
#   hls-fmp4/index.m3u8      HLS VOD, fMP4 segments + EXT-X-MAP
#   hls-single/index.m3u8    HLS VOD, one fMP4 file with EXT-X-BYTERANGE (byte ranges)
#   hls-master/master.m3u8   master playlist: two video renditions + an audio EXT-X-MEDIA
#   hls-enc/index.m3u8       AES-128 encrypted, EXT-X-KEY
#   dash-template/manifest.mpd (+ master.m3u8, media_N.m3u8)  DASH SegmentTemplate + HLS
#   dash-list/manifest.mpd   DASH SegmentList
#   ll-hls/index.m3u8        LL-HLS (EXT-X-PART, PRELOAD-HINT, RENDITION-REPORT): ffmpeg 5/6
#                            does not write LL-HLS parts, so this one is the committed
#                            fixtures/ll-hls.m3u8 (the draft's example shape)
# Usage: tests/manifests/generate.sh OUT
set -euo pipefail
OUT=${1:?usage: generate.sh OUT}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v ffmpeg >/dev/null || { echo "generate.sh: ffmpeg missing (tests/setup-system.sh installs it)" >&2; exit 1; }
mkdir -p "$OUT"
cd "$OUT"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
SRC=(-f lavfi -i "testsrc=duration=3:size=160x120:rate=10" -f lavfi -i "sine=frequency=440:duration=3")
VENC=(-c:v libx264 -preset ultrafast -g 10 -keyint_min 10 -sc_threshold 0)

mkdir -p hls-ts hls-fmp4 hls-single hls-master hls-enc dash-template dash-list ll-hls
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f hls -hls_time 1 -hls_playlist_type vod \
  -hls_segment_filename hls-ts/seg%d.ts hls-ts/index.m3u8
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f hls -hls_time 1 -hls_playlist_type vod \
  -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
  -hls_segment_filename hls-fmp4/seg%d.m4s hls-fmp4/index.m3u8
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f hls -hls_time 1 -hls_playlist_type vod \
  -hls_segment_type fmp4 -hls_flags single_file hls-single/index.m3u8
ff "${SRC[@]}" -map 0:v -map 0:v -map 1:a "${VENC[@]}" -c:a aac \
  -b:v:0 200k -s:v:0 160x120 -b:v:1 100k -s:v:1 80x60 \
  -f hls -hls_time 1 -hls_playlist_type vod -master_pl_name master.m3u8 \
  -var_stream_map "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud" \
  -hls_segment_filename "hls-master/v%v_seg%d.ts" "hls-master/v%v.m3u8"
# The key URI as written in the playlist, the key file, the IV.
head -c 16 /dev/urandom >hls-enc/enc.key
printf 'enc.key\n%s\n%s\n' "$OUT/hls-enc/enc.key" 0123456789abcdef0123456789abcdef >hls-enc/keyinfo
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f hls -hls_time 1 -hls_playlist_type vod \
  -hls_key_info_file hls-enc/keyinfo -hls_segment_filename hls-enc/seg%d.ts hls-enc/index.m3u8
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f dash -seg_duration 1 -use_template 1 -use_timeline 1 \
  -hls_playlist 1 dash-template/manifest.mpd
ff "${SRC[@]}" "${VENC[@]}" -c:a aac -f dash -seg_duration 1 -use_template 0 -use_timeline 0 \
  dash-list/manifest.mpd
cp "$HERE/fixtures/ll-hls.m3u8" ll-hls/index.m3u8
