# The bundled server: docker build -t ones-proxy . && docker run -p 7860:7860 -e OPENAI_API_KEY=… ones-proxy
# Built on the current Node LTS; the packages themselves run on Node 20.18.1 and newer.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages ./packages
COPY scripts ./scripts
COPY tests/package.json ./tests/package.json
RUN npx -y pnpm@10.34.9 install --frozen-lockfile --filter './packages/**'
# the image runs what npm users get: the packed tarballs, installed with production dependencies only
# (so its package.json names real versions, not workspace:*)
RUN npx -y pnpm@10.34.9 -r --filter './packages/**' build && node scripts/pack.mjs /pkgs --app /app

FROM node:24-slim
# a small young generation keeps RSS near 115 MB instead of 140 MB with no measured throughput cost
ENV NODE_ENV=production PORT=7860 HOST=0.0.0.0 NODE_OPTIONS=--max-semi-space-size=2
WORKDIR /app
COPY --from=build /app ./
USER node
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||7860)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli.js"]
