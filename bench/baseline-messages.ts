// The baseline workflow's messages: imported by the bench (outside workflow context) and the workflow.
import { defineSignal, defineUpdate } from '@temporalio/workflow';

export const noopUpdate = defineUpdate<number, [number]>('benchNoop');
export const stopBaseline = defineSignal('benchStop');
