/** Public types of the sandbox portal and the shape of its (JSON-serialisable) state. */
import type { VirtualClock } from './clock.js';

export type YN = 'Y' | 'N';

export interface SandboxLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface SandboxUser {
  id: number;
  name: string;
  lastName: string;
  secondName?: string;
  email: string;
  workPosition: string;
  /** Department ids (UF_DEPARTMENT). */
  departments: number[];
  isAdmin: boolean;
  active: boolean;
  gender?: 'M' | 'F';
  /** Free-form role tag for tests (admin, clerk, chairman …); not a portal field. */
  role?: string;
}

export interface SandboxDepartment {
  id: number;
  name: string;
  sort: number;
  parent: number | null;
  /** UF_HEAD: user id of the head. */
  head: number | null;
}

export interface SandboxAppConfig {
  clientId: string;
  clientSecret: string;
  /** Where the REST-only install callback (ONAPPINSTALL shape) and the UI installer frame POST go. */
  installUrl: string;
  /** Main app page (DEFAULT placement). */
  handlerUrl: string;
  /** Comma-separated granted scopes. */
  scope: string;
  /** Marketplace code or local client id; default = clientId. */
  code?: string;
  version?: string;
}

export interface SandboxWebhook {
  userId: number;
  secret: string;
  /** Comma-separated scopes; default: all. */
  scope?: string;
}

export interface RateLimitOptions {
  burst: number;
  drainPerSec: number;
}

export interface SandboxOptions {
  app: SandboxAppConfig;
  /** Portal port; 0 = random. */
  port?: number;
  /** OAuth server port; 0 = random. */
  oauthPort?: number;
  rateLimit?: false | RateLimitOptions;
  /** JSON snapshot (loaded at start, saved after changes); tests keep state in memory. */
  statePath?: string;
  clock?: VirtualClock;
  users?: SandboxUser[];
  departments?: SandboxDepartment[];
  webhooks?: SandboxWebhook[];
  /** Access token lifetime in virtual-clock seconds; default 3600. */
  accessTokenTtlSec?: number;
  logger?: SandboxLogger;
  /** Fixed member_id (default: random per state). */
  memberId?: string;
  /** Abort an outbound POST after this long; default 10 000 ms. */
  deliveryTimeoutMs?: number;
}

/** Fault injection, applied per HTTP request to /rest/. */
export interface SandboxFaults {
  /** Share of requests answered 503 QUERY_LIMIT_EXCEEDED regardless of the bucket. */
  queryLimitRatio?: number;
  /** Share of requests answered 500 INTERNAL_SERVER_ERROR (before execution). */
  error500Ratio?: number;
  /** Extra latency for every request. */
  delayMs?: number;
}

export interface SandboxStats {
  /** HTTP requests received on /rest/ (a batch is one). */
  requests: number;
  /** Requests refused by the rate limit or a fault hook. */
  rejected: number;
  /** Executed calls per method (lower-case name); batch sub-commands under their own method. */
  methods: Record<string, number>;
  /** Mutating calls (add/update/delete/bind/unbind/set/send/clear/uploadfile/addsubfolder …). */
  mutations: number;
  mutationsByMethod: Record<string, number>;
  /** Successful refresh_token grants on the OAuth server. */
  refreshes: number;
}

export interface DeliveryRecord {
  kind: 'event' | 'robot' | 'install';
  event: string;
  handler: string;
  /** HTTP status of the app's answer; null when the POST failed. */
  status: number | null;
  error: string | null;
  /** The payload as a nested object (it went out as a PHP-style form body). */
  payload: Record<string, unknown>;
  at: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  userId: number;
}

export interface FramePost {
  url: string;
  query: Record<string, string>;
  body: Record<string, string>;
}

export interface InstallResult {
  tokens: TokenPair;
  applicationToken: string;
  /** REST-only install: the status the app answered the install POST with. */
  status?: number | null;
  /** UI install: the frame POST the portal would send to the installer page. */
  frame?: FramePost;
}

export interface AddRobotRule {
  entityTypeId: number;
  categoryId?: number;
  stageId: string;
  code: string;
  /** Property values as the admin set them; `{=Document:FIELD}` is evaluated per item. */
  properties?: Record<string, unknown>;
  /** Seconds, sent as timeout_duration; default 0. */
  timeoutSec?: number;
}

// ---------------------------------------------------------------- state

export interface AppState {
  installed: boolean;
  /** Set once ONAPPINSTALL/installFinish happened at least once (for reinstall semantics). */
  applicationToken: string | null;
  version: string;
  options: Record<string, unknown>;
  status: 'L' | 'F' | 'D' | 'T' | 'P';
}

export interface AccessTokenRec {
  token: string;
  userId: number;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshTokenRec {
  token: string;
  userId: number;
  used: boolean;
  revoked: boolean;
  expiresAt: number;
}

export interface EventBinding {
  id: number;
  event: string;
  handler: string;
  authType: number;
  offline: boolean;
  minTimeout: number;
  authConnector: string;
  lastPingAt: number | null;
}

export interface OfflineEventRec {
  id: number;
  timestamp: number;
  eventName: string;
  eventData: unknown;
  additional: unknown;
  messageId: string;
  processId: string;
  error: boolean;
  authConnector: string;
}

export interface PlacementRec {
  id: number;
  placement: string;
  handler: string;
  title: string;
  description: string;
  groupName: string;
  langAll: Record<string, Record<string, string>>;
  options: Record<string, unknown>;
  userId: number;
}

export interface RobotRec {
  kind: 'robot' | 'activity';
  code: string;
  handler: string;
  authUserId: number;
  useSubscription: string;
  name: unknown;
  description: unknown;
  properties: Record<string, Record<string, unknown>>;
  returnProperties: Record<string, Record<string, unknown>>;
  documentType: unknown;
  filter: unknown;
  usePlacement: string;
  placementHandler: string;
}

export interface RobotRun {
  id: number;
  kind: 'robot' | 'activity';
  code: string;
  workflowId: string;
  eventToken: string;
  entityTypeId: number;
  itemId: number;
  documentId: [string, string, string];
  status: 'waiting' | 'completed' | 'sent' | 'failed';
  properties: Record<string, unknown>;
  returnValues: Record<string, unknown> | null;
  logMessage: string | null;
  log: string[];
  startedAt: number;
  completedAt: number | null;
}

export interface AutomationRule extends AddRobotRule {
  id: number;
}

export interface TypeRelation {
  entityTypeId: number;
  isChildrenListEnabled: YN;
  isPredefined: YN;
}

export interface CrmTypeRec {
  id: number;
  entityTypeId: number;
  title: string;
  code: string;
  flags: Record<string, YN>;
  relations: { parent: TypeRelation[]; child: TypeRelation[] };
  linkedUserFields: Record<string, YN>;
  createdBy: number;
  createdTime: number;
  updatedBy: number;
  updatedTime: number;
}

export interface CategoryRec {
  id: number;
  entityTypeId: number;
  name: string;
  sort: number;
  isDefault: boolean;
  code: string | null;
}

export interface StatusRec {
  id: number;
  entityId: string;
  statusId: string;
  name: string;
  nameInit: string;
  sort: number;
  system: boolean;
  categoryId: number | null;
  color: string;
  semantics: 'S' | 'F' | null;
}

export interface FmRec {
  id: number;
  typeId: string;
  valueType: string;
  value: string;
}

export interface ItemRec {
  entityTypeId: number;
  id: number;
  /** System fields by camelCase name; user fields by UF_CRM_… name. */
  data: Record<string, unknown>;
  fm: FmRec[];
}

export interface EnumRec {
  id: number;
  value: string;
  def: YN;
  sort: number;
  xmlId: string;
}

export interface UserFieldRec {
  id: number;
  entityId: string;
  fieldName: string;
  userTypeId: string;
  xmlId: string | null;
  sort: number;
  multiple: YN;
  mandatory: YN;
  showFilter: YN;
  showInList: YN;
  editInList: YN;
  isSearchable: YN;
  settings: Record<string, unknown>;
  /** editFormLabel, listColumnLabel, listFilterLabel, errorMessage, helpMessage → {lang: text}. */
  labels: Record<string, Record<string, string | null>>;
  enums: EnumRec[];
}

export interface StoredFile {
  id: number;
  name: string;
  size: number;
  contentBase64: string;
  createdAt: number;
}

export interface TimelineCommentRec {
  id: number;
  entityType: string;
  entityId: number;
  comment: string;
  authorId: number;
  created: number;
  fileIds: number[];
}

export interface CrmActivityRec {
  id: number;
  ownerTypeId: number;
  ownerId: number;
  typeId: number;
  providerId: string;
  subject: string;
  description: string;
  descriptionType: number;
  direction: number;
  completed: YN;
  responsibleId: number;
  deadline: string | null;
  startTime: string | null;
  endTime: string | null;
  communications: { id: number; type: string; value: string; entityId: number; entityTypeId: number }[];
  settings: Record<string, unknown>;
  extra: Record<string, unknown>;
  created: number;
  authorId: number;
}

export interface EmailRecord {
  activityId: number;
  from: string;
  to: string[];
  subject: string;
  body: string;
  descriptionType: number;
  ownerTypeId: number;
  ownerId: number;
  sentAt: number;
  /** Names of the Drive files attached (STORAGE_TYPE_ID 3 + STORAGE_ELEMENT_IDS). */
  attachments: string[];
}

export interface NotificationRecord {
  id: number;
  kind: 'system' | 'personal';
  userId: number;
  fromUserId: number | null;
  message: string;
  messageOut: string;
  tag: string;
  subTag: string;
  attach: unknown;
  createdAt: number;
}

export interface DiskObjectRec {
  id: number;
  type: 'folder' | 'file';
  name: string;
  parentId: number | null;
  storageId: number;
  fileId: number | null;
  size: number;
  createdBy: number;
  createdAt: number;
  updatedAt: number;
}

export interface DiskStorageRec {
  id: number;
  name: string;
  rootObjectId: number;
}

export interface TaskRec {
  id: number;
  fields: Record<string, unknown>;
  createdAt: number;
}

export interface SandboxState {
  schema: 1;
  memberId: string;
  seq: Record<string, number>;
  app: AppState;
  users: SandboxUser[];
  departments: SandboxDepartment[];
  accessTokens: Record<string, AccessTokenRec>;
  refreshTokens: Record<string, RefreshTokenRec>;
  eventBindings: EventBinding[];
  offlineEvents: OfflineEventRec[];
  placements: PlacementRec[];
  robots: RobotRec[];
  robotRuns: RobotRun[];
  automationRules: AutomationRule[];
  crmTypes: CrmTypeRec[];
  categories: CategoryRec[];
  statuses: StatusRec[];
  /** entityTypeId → item id → item. */
  items: Record<string, Record<string, ItemRec>>;
  userFields: UserFieldRec[];
  files: StoredFile[];
  timelineComments: TimelineCommentRec[];
  activities: CrmActivityRec[];
  emails: EmailRecord[];
  notifications: NotificationRecord[];
  disk: { storage: DiskStorageRec | null; objects: DiskObjectRec[] };
  tasks: TaskRec[];
}
