/* The public C API of hdrty: other extensions compile against this header and use the type
 * object itself. */
#ifndef HDRTY_H
#define HDRTY_H
#include <Python.h>

typedef struct {
    PyObject_HEAD
    double value;
} HdrtyBoxObject;

extern PyTypeObject HdrtyBoxType;
#define HdrtyBox_Check(op) PyObject_TypeCheck(op, &HdrtyBoxType)

#endif
