import { NotFound, NovaError } from '../common/errors.js';

export class CryptoCAFileNotFound extends NotFound {
  constructor(project: string | null) {
    super(`The CA file for ${project ?? 'None'} could not be found`, { kwargs: { project } });
  }
}

export class CryptoCRLFileNotFound extends NotFound {
  constructor(project: string | null) {
    super(`The CRL file for ${project ?? 'None'} could not be found`, { kwargs: { project } });
  }
}

export class ProjectNotFound extends NotFound {
  constructor(projectId: string | null) {
    super(`Project ${projectId ?? 'None'} could not be found.`, { kwargs: { project_id: projectId } });
  }
}

export class DecryptionFailure extends NovaError {
  constructor(reason: string) {
    super(`Failed to decrypt text: ${reason}`, { kwargs: { reason } });
  }
}
