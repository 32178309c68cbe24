import { useEffect } from 'react'
import { call, client } from '../api'
import { useMe, useSession } from '../session'
import { useBuckets } from '../lib/buckets'
import { useLoad } from '../lib/use-load'
import { bytes } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { UsageBar } from '../components/Bar'
import { LoadState } from '../components/Notice'
import { Sparkline } from '../components/Sparkline'

/** Storage against the quota, objects and buckets, the last hour's requests, the plan's limits. */
export function Overview() {
  const me = useMe()
  const { refresh } = useSession()
  const { buckets } = useBuckets()
  const stats = useLoad(() => call(client.api.stats.get()), [])
  // The account as it is now (the session's copy may be old): one call on each visit.
  useEffect(() => { void refresh().catch(() => {}) }, [refresh])
  const s = stats.data
  const errors = s ? s.clientErrors + s.serverErrors : 0
  const rate = s && s.requests > 0 ? (errors / s.requests) * 100 : 0
  return (
    <>
      <PageHeader title="Overview" />
      <section className="card" aria-labelledby="storage-h">
        <h2 id="storage-h">Storage</h2>
        <UsageBar label="Logical size (what the quota counts)" used={me.usage.bytes} total={me.quota.bytes} />
        <UsageBar label="Stored on disk (after deduplication)" used={me.usage.storedBytes} total={me.quota.bytes} />
        <dl className="stats">
          <div><dt>Objects</dt><dd>{me.usage.objects.toLocaleString()}</dd></div>
          <div><dt>Buckets</dt><dd>{buckets ? `${buckets.length} of ${me.plan.maxBuckets}` : '…'}</dd></div>
          <div><dt>Quota left</dt><dd>{bytes(me.quota.remainingBytes)}</dd></div>
        </dl>
      </section>
      <section className="card" aria-labelledby="traffic-h">
        <h2 id="traffic-h">Requests in the last hour</h2>
        <LoadState loading={stats.loading} error={stats.error} hasData={!!s} />
        {s ? (
          <>
            <dl className="stats">
              <div><dt>Requests</dt><dd>{s.requests.toLocaleString()}</dd></div>
              <div><dt>Client errors (4xx)</dt><dd>{s.clientErrors.toLocaleString()}</dd></div>
              <div><dt>Server errors (5xx)</dt><dd>{s.serverErrors.toLocaleString()}</dd></div>
              <div><dt>Error rate</dt><dd>{rate.toFixed(rate > 0 && rate < 10 ? 1 : 0)}%</dd></div>
            </dl>
            <Sparkline
              label={`Requests per minute over the last hour: ${s.requests} requests, ${errors} errors`}
              points={s.perMinute.map((m) => ({ requests: m.requests, errors: m.clientErrors + m.serverErrors }))}
            />
            <p className="muted small">S3 and API requests made with this account's keys or sessions. <button type="button" className="btn-link" onClick={() => void stats.reload()}>Refresh</button></p>
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="plan-h">
        <h2 id="plan-h">Plan: {me.plan.name}</h2>
        <dl className="stats">
          <div><dt>Quota</dt><dd>{bytes(me.quota.bytes)}</dd></div>
          <div><dt>Buckets</dt><dd>up to {me.limits.maxBuckets}</dd></div>
          <div><dt>Access keys</dt><dd>up to {me.limits.maxAccessKeys}</dd></div>
          {me.limits.rateLimits ? (
            <>
              <div><dt>Writes</dt><dd>{me.limits.requestsPerSecond.write}/s</dd></div>
              <div><dt>Reads</dt><dd>{me.limits.requestsPerSecond.read}/s</dd></div>
              <div><dt>Listings</dt><dd>{me.limits.requestsPerSecond.list}/s</dd></div>
              <div><dt>Dashboard</dt><dd>{me.limits.dashboardRequestsPerMinute}/min</dd></div>
            </>
          ) : <div><dt>Rate limits</dt><dd>off on this appliance</dd></div>}
        </dl>
      </section>
    </>
  )
}
