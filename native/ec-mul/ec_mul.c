/*
 * [g]G + [k]P + Q on P-256 by OpenSSL's EC_POINT functions — the whole point, which node:crypto's
 * ECDH does not give (it returns x only). Node's own OpenSSL: a Node addon links against the symbols of the
 * node binary, so the arithmetic is the same code node:crypto runs (on x86-64, P-256 by ecp_nistz256).
 *
 *   mul(curve, g, P, k, Q, secret) -> Buffer (SEC1 uncompressed) | null (the point at infinity)
 *
 * curve: "P-256" (P-521 stays with the pure code, which is faster there than OpenSSL's generic curves:
 * docs/decisions.md); g, k: big-endian scalars (Uint8Array, 1 to the order's length octets, below the
 * order) or null; P, Q: SEC1 points (compressed or uncompressed; decoding checks they are on the curve; the
 * one-octet encoding of infinity is refused) or null. k needs P and P needs k. secret: k is secret — then g
 * and Q must be null, so OpenSSL takes its constant-time path for one point (ecp_nistz256_windowed_mul /
 * ec_scalar_mul_ladder), and the scalar is marked BN_FLG_CONSTTIME.
 *
 * Every argument error throws a TypeError or RangeError; nothing here logs, and OpenSSL's own errors are popped
 * from the thread's error queue (which node:crypto reads) before returning. Linked with -z now: a Node that does
 * not export one of these OpenSSL symbols fails to load it (ec-addon.ts falls back) instead of aborting mid-call.
 * Scalars, intermediate points and the output octets are cleansed before they are freed (the returned Buffer is
 * a copy: the caller wipes it).
 * src/server/ec-addon.ts loads it; test/server/ec-addon.test.ts checks it against the pure arithmetic.
 */
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINT 65 /* SEC1 uncompressed, P-256 */

typedef struct {
  EC_GROUP *group;
  size_t field; /* octets of a coordinate */
  size_t order; /* octets of the order */
} Curve;

static napi_value fail(napi_env env, int range, const char *msg) {
  if (range) napi_throw_range_error(env, NULL, msg);
  else napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* The bytes of a Uint8Array argument, or null/undefined (*present = 0). Returns 0 for any other value. */
static int bytes_of(napi_env env, napi_value v, const unsigned char **data, size_t *len, int *present) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_null || t == napi_undefined) {
    *present = 0;
    return 1;
  }
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type tt;
  void *p = NULL;
  size_t n = 0;
  if (napi_get_typedarray_info(env, v, &tt, &n, &p, NULL, NULL) != napi_ok || tt != napi_uint8_array) return 0;
  *data = p;
  *len = n;
  *present = 1;
  return 1;
}

static void instance_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Curve *c = data;
  EC_GROUP_free(c->group);
  free(c);
}

static napi_value mul(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  Curve *c = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (napi_get_instance_data(env, (void **)&c) != napi_ok || c == NULL) return fail(env, 0, "ec_mul: not initialised");
  if (argc != 6) return fail(env, 0, "ec_mul: mul(curve, g, P, k, Q, secret) takes six arguments");

  /* The whole string's UTF-8 length first: a short buffer truncates ("P-256€" would read as "P-256"). */
  char name[8];
  size_t name_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &name_len) != napi_ok) return fail(env, 0, "ec_mul: curve must be a string");
  if (name_len != 5 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok || name_len != 5 ||
      strcmp(name, "P-256") != 0) {
    return fail(env, 1, "ec_mul: curve must be \"P-256\"");
  }

  const unsigned char *g = NULL, *P = NULL, *k = NULL, *Q = NULL;
  size_t g_len = 0, P_len = 0, k_len = 0, Q_len = 0;
  int has_g, has_P, has_k, has_Q;
  if (!bytes_of(env, argv[1], &g, &g_len, &has_g) || !bytes_of(env, argv[2], &P, &P_len, &has_P) ||
      !bytes_of(env, argv[3], &k, &k_len, &has_k) || !bytes_of(env, argv[4], &Q, &Q_len, &has_Q)) {
    return fail(env, 0, "ec_mul: g, P, k and Q must be Uint8Arrays or null");
  }
  bool secret = false;
  if (napi_get_value_bool(env, argv[5], &secret) != napi_ok) return fail(env, 0, "ec_mul: secret must be a boolean");
  if (has_P != has_k) return fail(env, 0, "ec_mul: P and k go together");
  if (!has_g && !has_P) return fail(env, 0, "ec_mul: nothing to multiply");
  if (secret && (has_g || has_Q || !has_P)) return fail(env, 0, "ec_mul: a secret scalar multiplies one point, alone");
  if ((has_g && (g_len == 0 || g_len > c->order)) || (has_k && (k_len == 0 || k_len > c->order))) {
    return fail(env, 1, "ec_mul: a scalar must have 1 to the order's length octets");
  }
  /* A SEC1 point of this curve: 02/03 + x or 04 + x + y (never the one-octet 00 of infinity). */
  const size_t compressed = 1 + c->field, uncompressed = 1 + 2 * c->field;
  if ((has_P && !((P_len == compressed && (P[0] == 2 || P[0] == 3)) || (P_len == uncompressed && P[0] == 4))) ||
      (has_Q && !((Q_len == compressed && (Q[0] == 2 || Q[0] == 3)) || (Q_len == uncompressed && Q[0] == 4)))) {
    return fail(env, 1, "ec_mul: a point must be SEC1 compressed or uncompressed octets of the curve");
  }

  napi_value result = NULL;
  const char *error = NULL;
  int range = 1;
  unsigned char out[MAX_POINT];
  size_t out_len = 0;
  int infinity = 0;
  /* OpenSSL's errors (a point off the curve) stay off the thread's queue, where node:crypto would report them as its own. */
  ERR_set_mark();
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *gb = has_g ? BN_bin2bn(g, (int)g_len, NULL) : NULL;
  BIGNUM *kb = has_k ? BN_bin2bn(k, (int)k_len, NULL) : NULL;
  EC_POINT *Pp = has_P ? EC_POINT_new(c->group) : NULL;
  EC_POINT *Qp = has_Q ? EC_POINT_new(c->group) : NULL;
  EC_POINT *R = EC_POINT_new(c->group);
  const BIGNUM *order = EC_GROUP_get0_order(c->group);
  if (ctx == NULL || R == NULL || (has_g && gb == NULL) || (has_k && kb == NULL) || (has_P && Pp == NULL) || (has_Q && Qp == NULL)) {
    error = "ec_mul: out of memory";
    range = 0;
    goto done;
  }
  if (kb != NULL && secret) BN_set_flags(kb, BN_FLG_CONSTTIME);
  if ((gb != NULL && BN_cmp(gb, order) >= 0) || (kb != NULL && BN_cmp(kb, order) >= 0)) {
    error = "ec_mul: a scalar must be below the group order";
    goto done;
  }
  if ((Pp != NULL && EC_POINT_oct2point(c->group, Pp, P, P_len, ctx) != 1) ||
      (Qp != NULL && EC_POINT_oct2point(c->group, Qp, Q, Q_len, ctx) != 1)) {
    error = "ec_mul: a point is not on the curve";
    goto done;
  }
  if (EC_POINT_mul(c->group, R, gb, Pp, kb, ctx) != 1 || (Qp != NULL && EC_POINT_add(c->group, R, R, Qp, ctx) != 1)) {
    error = "ec_mul: OpenSSL could not compute the point";
    range = 0;
    goto done;
  }
  if (EC_POINT_is_at_infinity(c->group, R)) {
    infinity = 1;
  } else {
    out_len = EC_POINT_point2oct(c->group, R, POINT_CONVERSION_UNCOMPRESSED, out, sizeof out, ctx);
    if (out_len != uncompressed) {
      error = "ec_mul: OpenSSL could not encode the point";
      range = 0;
    }
  }

done:
  BN_clear_free(gb);
  BN_clear_free(kb);
  EC_POINT_clear_free(Pp);
  EC_POINT_clear_free(Qp);
  EC_POINT_clear_free(R);
  BN_CTX_free(ctx);
  ERR_pop_to_mark();
  if (error != NULL) {
    OPENSSL_cleanse(out, sizeof out);
    return fail(env, range, error);
  }
  if (infinity) {
    napi_get_null(env, &result);
  } else if (napi_create_buffer_copy(env, out_len, out, NULL, &result) != napi_ok) {
    result = NULL;
  }
  OPENSSL_cleanse(out, sizeof out);
  return result;
}

NAPI_MODULE_INIT() {
  Curve *c = calloc(1, sizeof(Curve));
  if (c == NULL) return NULL;
  c->field = 32;
  c->order = 32;
  c->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  if (c->group == NULL) {
    instance_free(env, c, NULL);
    napi_throw_error(env, NULL, "ec_mul: OpenSSL has no P-256");
    return NULL;
  }
  if (napi_set_instance_data(env, c, instance_free, NULL) != napi_ok) {
    instance_free(env, c, NULL);
    return NULL;
  }
  napi_value fn;
  if (napi_create_function(env, "mul", NAPI_AUTO_LENGTH, mul, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "mul", fn) != napi_ok) return NULL;
  return exports;
}
