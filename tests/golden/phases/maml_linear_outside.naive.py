# stochdiff naive estimator for maml_linear_outside.sd
# streams (each draws independently of the others):
#   s1: E[z, zv] at line 8: draws z ~ minibatch, zv ~ minibatch
def estimate(P, D, S, C, F):
    v0 = P['theta']                                           # 2:7 param theta
    v1 = D['D']                                               # 3:6 data D
    v2 = D['Dv']                                              # 3:9 data Dv
    v3 = C[0]                                                 # 4:7 const eta = 0.1
    v4 = S.draw(1, 0, 'minibatch', (1,), (v1,))               # 6:1 stream s1: draw z for E[z, zv]
    v5 = S.draw(1, 1, 'minibatch', (1,), (lift(v2, 1, 2),))   # 7:1 stream s1: draw zv for E[z, zv]
    v6 = k_field(v5, 'x', 3)                                  # 5:24 field
    v7 = k_field(v4, 'x', 2)                                  # 5:24 field
    v8 = k_matmul(v7, lift(v0, 1, 2), 2)                      # 5:24 matmul
    v9 = k_field(v4, 'y', 2)                                  # 5:34 field
    v10 = k_sub(v8, v9, 2)                                    # 5:24 sub
    v11 = C[1]                                                # 5:41 2
    v12 = k_pow(v10, lift(v11, 1, 2), 2)                      # 5:23 pow
    v13 = k_mean(v12, 2)                                      # 5:18 mean
    v14 = k_seed(v13, 2)                                      # 8:38 seed
    v15 = k_expand(v14, v12, 2)                               # 5:18 expand
    v16 = k_size(v12, 2)                                      # 5:18 size
    v17 = k_div(v15, v16, 2)                                  # 5:18 div
    v18 = k_mul(lift(v11, 1, 2), v10, 2)                      # 5:23 mul
    v19 = k_mul(v17, v18, 2)                                  # 5:23 mul
    v20 = k_unbroadcast(v19, v10, 2)                          # 5:23 unbroadcast
    v21 = k_unbroadcast(v20, v8, 2)                           # 5:24 unbroadcast
    v25 = k_matmul_gb(v21, v7, lift(v0, 1, 2), 2)             # 5:24 matmul_gb
    v26 = k_densify(v25, lift(v0, 1, 2), 2)                   # 8:38 densify
    v27 = k_mul(lift(v3, 1, 2), v26, 2)                       # 8:32 mul
    v28 = k_sub(lift(v0, 1, 2), v27, 2)                       # 8:24 sub
    v29 = k_matmul(v6, lift(v28, 2, 3), 3)                    # 5:24 matmul
    v30 = k_field(v5, 'y', 3)                                 # 5:34 field
    v31 = k_sub(v29, v30, 3)                                  # 5:24 sub
    v32 = k_pow(v31, lift(v11, 1, 3), 3)                      # 5:23 pow
    v33 = k_mean(v32, 3)                                      # 5:18 mean
    v34 = S.mean(v33, 1)                                      # 8:10 average over stream s1 (E[z, zv], line 8)
    v35 = k_seed(v34, 1)                                      # 8:1 seed
    v36 = k_expand(lift(v35, 1, 3), v32, 3)                   # 5:18 expand
    v37 = k_size(v32, 3)                                      # 5:18 size
    v38 = k_div(v36, v37, 3)                                  # 5:18 div
    v39 = k_mul(lift(v11, 1, 3), v31, 3)                      # 5:23 mul
    v40 = k_mul(v38, v39, 3)                                  # 5:23 mul
    v41 = k_unbroadcast(v40, v31, 3)                          # 5:23 unbroadcast
    v42 = k_unbroadcast(v41, v29, 3)                          # 5:24 unbroadcast
    v46 = k_matmul_gb(v42, v6, lift(v28, 2, 3), 3)            # 5:24 matmul_gb
    v47 = k_unbroadcast(v46, lift(v0, 1, 3), 3)               # 8:24 unbroadcast
    v48 = k_neg(v46, 3)                                       # 8:24 neg
    v49 = k_unbroadcast(v48, lift(v27, 2, 3), 3)              # 8:24 unbroadcast
    v52 = k_mul(v49, lift(v3, 1, 3), 3)                       # 8:32 mul
    v53 = k_unbroadcast(v52, lift(v26, 2, 3), 3)              # 8:32 unbroadcast
    v54 = k_matmul(lift(v7, 2, 3), v53, 3)                    # 5:24 matmul
    v55 = k_unbroadcast(v54, lift(v21, 2, 3), 3)              # 5:24 unbroadcast
    v57 = k_broadcast_to(v55, lift(v20, 2, 3), 3)             # 5:24 broadcast_to
    v58 = k_broadcast_to(v57, lift(v19, 2, 3), 3)             # 5:23 broadcast_to
    v61 = k_mul(v58, lift(v17, 2, 3), 3)                      # 5:23 mul
    v62 = k_unbroadcast(v61, lift(v18, 2, 3), 3)              # 5:23 unbroadcast
    v65 = k_mul(v62, lift(v11, 1, 3), 3)                      # 5:23 mul
    v66 = k_unbroadcast(v65, lift(v10, 2, 3), 3)              # 5:23 unbroadcast
    v74 = k_unbroadcast(v66, lift(v8, 2, 3), 3)               # 5:24 unbroadcast
    v78 = k_matmul_gb(v74, lift(v7, 2, 3), lift(v0, 1, 3), 3)  # 5:24 matmul_gb
    v79 = k_add(v47, v78, 3)                                  # 2:7 add
    v80 = S.mean(v79, 1)                                      # 8:10 average over stream s1 (E[z, zv], line 8)
    v81 = k_densify(v80, v0, 1)                               # 8:1 densify
    return (v34, v81,)
