/* lexer.h — tokens of one protocol line (internal to protocols/).
 *
 * lex_line() splits one line (without its newline) into words, numbers,
 * strings, comparison operators and commas; a '#' starts a comment to the
 * end of the line. Tokens point into the caller's text. Columns are 1-based
 * bytes, offset by col0 - 1 (pass 1 for a whole line).
 */
#ifndef RIGOR_PROTO_LEXER_H
#define RIGOR_PROTO_LEXER_H

#include "protocol.h"

#include <stddef.h>

typedef enum { TK_WORD = 0, TK_NUM, TK_STR, TK_OP, TK_COMMA } lex_kind;

typedef struct {
    lex_kind k;
    const char *s; /* start in the line (for TK_STR: after the opening quote) */
    int n;         /* length in bytes (TK_STR: without quotes) */
    int col;       /* 1-based byte column of the token's first byte */
    double num;    /* TK_NUM value */
    proto_op op;   /* TK_OP */
} lex_token;

#define LEX_MAX_TOKENS 64

typedef struct {
    lex_token tok[LEX_MAX_TOKENS];
    int ntok;
    int err_col;   /* column of the first problem, 0 = none */
    char err[160]; /* its message */
} lex_result;

/* Returns 0, or -1 with r->err/err_col set (tokens before it are kept). */
int lex_line(const char *line, size_t len, int col0, lex_result *r);

#endif
