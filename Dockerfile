# One image for every instance; configuration comes from the environment (see README).
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npx -y pnpm@10.34.9 install --frozen-lockfile && npx -y pnpm@10.34.9 --filter @yishi/web build
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=64", "--v8-pool-size=1", "--import", "tsx", "server/src/main.ts"]
