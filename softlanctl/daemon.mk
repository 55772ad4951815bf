# softlanctl: the control tool of all three daemons.  ctlrender.c (the
# text rendering of a reply) goes into the library for the unit tests.

CORE_SRCS +=	softlanctl/ctlrender.c

PROGS +=	$(OBJ)/softlanctl/softlanctl

$(OBJ)/softlanctl/softlanctl: $(OBJ)/softlanctl/softlanctl.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/softlanctl/softlanctl.o $(LIBS)
-include $(OBJ)/softlanctl/softlanctl.d
