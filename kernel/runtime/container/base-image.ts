// The image a notebook's container starts from: the configured one (python:3.12-slim by
// default), pulled if it is not here; where no registry can be reached, the local fallback
// image (luci-python:local, built by .ci/docker-engine.sh) if it exists.
import { errorMessage } from "../../common/errors.js";
import { docker, engineError, engineProblem } from "./docker-client.js";
import type { ContainerSettings } from "./container-settings.js";

export interface BaseImage {
  /** The name to run. */
  name: string;
  /** The image's id: a change of base image means the environment is rebuilt. */
  id: string;
  /** Said once in the cell when the fallback is used. */
  note?: string;
}

const resolved = new Map<string, Promise<BaseImage>>();

export function baseImage(settings: ContainerSettings, progress?: (text: string) => void): Promise<BaseImage> {
  const key = `${settings.image}|${settings.fallbackImage}`;
  let found = resolved.get(key);
  if (!found) {
    found = resolve(settings, progress);
    resolved.set(key, found);
    found.catch(() => resolved.delete(key)); // an engine that was down may be up next time
  }
  return found;
}

async function resolve(settings: ContainerSettings, progress?: (text: string) => void): Promise<BaseImage> {
  const engine = await docker();
  const local = await inspect(settings.image);
  if (local) return { name: settings.image, id: local };
  progress?.(`Pulling ${settings.image}…`);
  let pullError = "";
  try {
    const stream = await engine.pull(settings.image);
    await new Promise<void>((done, fail) => engine.modem.followProgress(stream, (err) => (err ? fail(err) : done())));
    const pulled = await inspect(settings.image);
    if (pulled) return { name: settings.image, id: pulled };
  } catch (err) {
    pullError = engineError(err).engineMessage ?? errorMessage(err);
  }
  const fallback = await inspect(settings.fallbackImage);
  if (fallback) {
    return {
      name: settings.fallbackImage,
      id: fallback,
      note: `${settings.image} could not be pulled (${firstLine(pullError)}); using the local image ${settings.fallbackImage}.`,
    };
  }
  throw new Error(
    `the container image ${settings.image} is not on this machine and could not be pulled (${firstLine(pullError)}), ` +
      `and the local fallback ${settings.fallbackImage} does not exist either. Pull or build an image and name it with ` +
      "LUCI_CONTAINER_IMAGE (in a Luci checkout, `bash .ci/docker-engine.sh start` builds luci-python:local without a registry).",
  );
}

async function inspect(name: string): Promise<string | undefined> {
  const engine = await docker();
  try {
    return (await engine.getImage(name).inspect()).Id;
  } catch (err) {
    if (engineError(err).statusCode === 404) return undefined;
    throw engineProblem(err, `looking up the image ${name}`);
  }
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").trim().slice(0, 200) || "no answer";
}
