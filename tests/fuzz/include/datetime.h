/* Stand-in for CPython's datetime.h (fuzz target only). Like the real one it defines the
 * capsule pointer PyDateTimeAPI itself, as a static in every file that includes it. */
#ifndef OWNGIL_FUZZ_DATETIME_H
#define OWNGIL_FUZZ_DATETIME_H
#include <Python.h>
typedef struct {
  PyTypeObject *DateType;
  PyTypeObject *DateTimeType;
  PyTypeObject *TimeType;
  PyTypeObject *DeltaType;
  PyTypeObject *TZInfoType;
  PyObject *TimeZone_UTC;
  PyObject *(*Date_FromDate)(int, int, int, PyTypeObject *);
  PyObject *(*DateTime_FromDateAndTime)(int, int, int, int, int, int, int, PyObject *, PyTypeObject *);
  PyObject *(*Time_FromTime)(int, int, int, int, PyObject *, PyTypeObject *);
  PyObject *(*Delta_FromDelta)(int, int, int, int, PyTypeObject *);
} PyDateTime_CAPI;
#define PyDateTime_CAPSULE_NAME "datetime.datetime_CAPI"
static PyDateTime_CAPI *PyDateTimeAPI = _Py_NULL;
#define PyDateTime_IMPORT PyDateTimeAPI = (PyDateTime_CAPI *)PyCapsule_Import(PyDateTime_CAPSULE_NAME, 0)
#define PyDate_FromDate(year, month, day) PyDateTimeAPI->Date_FromDate((year), (month), (day), PyDateTimeAPI->DateType)
#define PyDelta_FromDSU(days, seconds, useconds) PyDateTimeAPI->Delta_FromDelta((days), (seconds), (useconds), 1, PyDateTimeAPI->DeltaType)
#define PyDate_Check(op) PyObject_TypeCheck(op, PyDateTimeAPI->DateType)
#endif
