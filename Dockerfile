# The transparantie worker image: `transparantie worker` by default, any subcommand otherwise
# (`topics create`, `produce`, `report`, …). Every dependency ships a manylinux wheel for
# CPython 3.11 (faust-streaming, rocksdict, aiokafka, fastavro), so no compiler is needed.
# WeasyPrint (the PDF publication) is pure Python over Debian's pango, installed in the image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY streams ./streams
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TRANSPARANTIE_DATA_DIR=/var/lib/transparantie \
    TRANSPARANTIE_WEB_HOST=0.0.0.0
# A fixed non-root uid (10001), so Kubernetes' runAsNonRoot can verify it. The data dir exists
# and belongs to it, so that a fresh volume mounted there is writable.
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent transparantie \
 && mkdir -p /var/lib/transparantie \
 && chown 10001:10001 /var/lib/transparantie
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /var/lib/transparantie
VOLUME ["/var/lib/transparantie"]
EXPOSE 6066
ENTRYPOINT ["transparantie"]
CMD ["worker"]
