/** The `profile-sync` service: run a sync now (tests, operator tooling). */
import { createServiceRef } from '../../core/services.ts';

export interface ProfileSyncService {
  /** Runs a sync, or joins the one in flight plus one follow-up; never rejects (errors land in status). */
  syncNow(): Promise<void>;
}

export const ProfileSyncRef = createServiceRef<ProfileSyncService>('profile-sync');
