/** DATABASE_URL forms and redaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseUrlError, normaliseDatabaseUrl, redactUrl } from '../../src/data/url.js';

describe('DATABASE_URL', () => {
  it('accepts postgresql://, postgres:// and SQLAlchemy driver forms', () => {
    for (const u of [
      'postgresql://app:s3cret@db:5432/platform',
      'postgres://app:s3cret@db:5432/platform',
      'postgresql+psycopg2://app:s3cret@db:5432/platform',
      'postgresql+asyncpg://app:s3cret@db:5432/platform',
    ]) {
      assert.equal(normaliseDatabaseUrl(u), 'postgresql://app:s3cret@db:5432/platform');
    }
    assert.equal(
      normaliseDatabaseUrl(' postgresql://db/x?sslmode=require '),
      'postgresql://db/x?sslmode=require',
    );
  });

  it('refuses other schemes and broken URLs without echoing the password', () => {
    for (const u of ['mysql://app:s3cret@db/x', 'postgresql://app:s3cret@', 'db:5432', '']) {
      assert.throws(
        () => normaliseDatabaseUrl(u),
        (e: unknown) => {
          assert.ok(e instanceof DatabaseUrlError);
          assert.ok(!e.message.includes('s3cret'), e.message);
          return true;
        },
      );
    }
  });

  it('redacts passwords', () => {
    assert.equal(
      redactUrl('postgresql+psycopg2://app:s3cret@db:5432/x'),
      'postgresql+psycopg2://***@db:5432/x',
    );
    assert.equal(
      redactUrl('postgresql://db/x?user=a&password=s3cret'),
      'postgresql://db/x?user=a&password=***',
    );
    assert.equal(redactUrl('postgresql://db/x'), 'postgresql://db/x');
  });
});
