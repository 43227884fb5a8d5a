// The stack-switch primitive of the native context backend on x86-64 (System V ABI); the C side
// is context_native.c. The body assembles only for x86-64, so the build can list every switch_*.S.
//
//   void* spool_switch_stacks(void** save_sp, void* load_sp, void* transfer);
//
// Pushes the callee-saved state (rbp rbx r12-r15, then MXCSR and the x87 control word in one
// 8-byte slot), stores rsp into *save_sp, loads rsp = load_sp, pops the same layout and returns
// `transfer` on the stack it switched to. The saved frame, lowest address first:
//
//   [0] MXCSR (low 4 bytes) | x87 control word (next 2)   [1] r15   [2] r14   [3] r13   [4] r12
//   [5] rbx   [6] rbp   [7] return address
//
// spool_context_make() builds that frame on a fresh stack with the return address set to
// spool_context_bootstrap, r12 = the context and rbx = the C trampoline to call.
#if defined(__x86_64__)

	.text

	.p2align 4
	.globl spool_switch_stacks
	.hidden spool_switch_stacks
	.type spool_switch_stacks, @function
spool_switch_stacks:
	.cfi_startproc
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq %r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq %r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq %r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq %r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	subq $8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr (%rsp)
	fnstcw 4(%rsp)

	movq %rsp, (%rdi)
	movq %rsi, %rsp
	// From here on the frame is the resumed stack's, saved with the same layout (so the CFI
	// above still describes it).

	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	.cfi_adjust_cfa_offset -8
	popq %r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq %r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq %r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq %r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	movq %rdx, %rax
	ret
	.cfi_endproc
	.size spool_switch_stacks, .-spool_switch_stacks

// Where the first switch to a made context returns to: rsp is 16-byte aligned here, rax holds
// the context switched away from, r12 this context and rbx the trampoline, which never returns.
// The return address is marked undefined so unwinders stop here: this is the outermost frame.
// The nop puts the start of this CFI range before the symbol: unwinders look up a return
// address minus one, and the fresh frame's return address is the symbol itself.
	.p2align 4
	.globl spool_context_bootstrap
	.hidden spool_context_bootstrap
	.type spool_context_bootstrap, @function
	.cfi_startproc
	.cfi_undefined %rip
	nop
spool_context_bootstrap:
	movq %r12, %rdi
	movq %rax, %rsi
	callq *%rbx
	ud2
	.cfi_endproc
	.size spool_context_bootstrap, .-spool_context_bootstrap

#endif

#if defined(__linux__) && defined(__ELF__)
	.section .note.GNU-stack, "", %progbits
#endif
