"""Real target databases for the bulk exchange tests: a PostgreSQL database and a MariaDB schema of
their own on this machine's servers (127.0.0.1:5432 and :3306, as .ci/run starts them)."""

import os
import uuid

import psycopg
import pymysql
import pytest

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@pytest.fixture(scope="session")
def pg_target_db():
    name = f"dp_push_target_{os.getpid()}"
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def mysql_target_db():
    name = f"dp_push_target_{os.getpid()}"
    conn = pymysql.connect(**MYSQL, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield name
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


def table_name() -> str:
    return f"pushed_{uuid.uuid4().hex[:10]}"


def pg_rows(database: str, table: str) -> dict:
    with psycopg.connect(**PG, dbname=database) as conn:
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        columns = [c.name for c in conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def mysql_rows(database: str, table: str) -> dict:
    conn = pymysql.connect(**MYSQL, database=database, cursorclass=pymysql.cursors.DictCursor)
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM `{table}`")
        rows = cur.fetchall()
    conn.close()
    return {row["record_key"]: row for row in rows}
