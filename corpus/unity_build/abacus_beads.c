/* Part of abacus.c (included there): uses the bead type that abacus_rods.c defines. */
static PyTypeObject Bead_Type;

static PyObject *new_bead(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return PyObject_CallNoArgs((PyObject *)&Bead_Type);
}

static PyObject *is_bead(PyObject *Py_UNUSED(module), PyObject *obj) {
    return PyBool_FromLong(Py_IS_TYPE(obj, &Bead_Type));
}
