// Every served API, one line each; the dispatcher and ApiVersions read this list.
import type { ApiHandler } from '../dispatcher.js';
import { apiVersions } from './api-versions.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { describeCluster } from './describe-cluster.js';
import { describeTopicPartitions } from './describe-topic-partitions.js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';

export const HANDLERS: ApiHandler[] = [
  produce, fetch, listOffsets, metadata, apiVersions, createTopics, deleteTopics, describeCluster, describeTopicPartitions,
];
