# softlanctl: the control tool of all three daemons.

PROGS +=	$(OBJ)/softlanctl/softlanctl

$(OBJ)/softlanctl/softlanctl: $(OBJ)/softlanctl/softlanctl.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/softlanctl/softlanctl.o $(LIBS)
-include $(OBJ)/softlanctl/softlanctl.d
