#ifndef TAGS_DEFS_H
#define TAGS_DEFS_H

static PyObject *tags_str_lower = NULL;

#endif
