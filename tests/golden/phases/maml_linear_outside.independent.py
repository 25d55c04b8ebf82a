# stochdiff independent estimator for maml_linear_outside.sd
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
    v22 = k_matmul_gb(v21, v7, lift(v0, 1, 2), 2)             # 5:24 matmul_gb
    v23 = k_densify(v22, lift(v0, 1, 2), 2)                   # 8:38 densify
    v24 = k_mul(lift(v3, 1, 2), v23, 2)                       # 8:32 mul
    v25 = k_sub(lift(v0, 1, 2), v24, 2)                       # 8:24 sub
    v26 = k_matmul(v6, lift(v25, 2, 3), 3)                    # 5:24 matmul
    v27 = k_field(v5, 'y', 3)                                 # 5:34 field
    v28 = k_sub(v26, v27, 3)                                  # 5:24 sub
    v29 = k_pow(v28, lift(v11, 1, 3), 3)                      # 5:23 pow
    v30 = k_mean(v29, 3)                                      # 5:18 mean
    v31 = S.mean(v30, 1)                                      # 8:10 average over stream s1 (E[z, zv], line 8)
    v32 = k_seed(v31, 1)                                      # 8:1 seed
    v33 = k_expand(lift(v32, 1, 3), v29, 3)                   # 5:18 expand
    v34 = k_size(v29, 3)                                      # 5:18 size
    v35 = k_div(v33, v34, 3)                                  # 5:18 div
    v36 = k_mul(lift(v11, 1, 3), v28, 3)                      # 5:23 mul
    v37 = k_mul(v35, v36, 3)                                  # 5:23 mul
    v38 = k_unbroadcast(v37, v28, 3)                          # 5:23 unbroadcast
    v39 = k_unbroadcast(v38, v26, 3)                          # 5:24 unbroadcast
    v40 = k_matmul_gb(v39, v6, lift(v25, 2, 3), 3)            # 5:24 matmul_gb
    v41 = k_unbroadcast(v40, lift(v0, 1, 3), 3)               # 8:24 unbroadcast
    v42 = k_neg(v40, 3)                                       # 8:24 neg
    v43 = k_unbroadcast(v42, lift(v24, 2, 3), 3)              # 8:24 unbroadcast
    v44 = k_mul(v43, lift(v3, 1, 3), 3)                       # 8:32 mul
    v45 = k_unbroadcast(v44, lift(v23, 2, 3), 3)              # 8:32 unbroadcast
    v46 = k_matmul(lift(v7, 2, 3), v45, 3)                    # 5:24 matmul
    v47 = k_unbroadcast(v46, lift(v21, 2, 3), 3)              # 5:24 unbroadcast
    v48 = k_broadcast_to(v47, lift(v20, 2, 3), 3)             # 5:24 broadcast_to
    v49 = k_broadcast_to(v48, lift(v19, 2, 3), 3)             # 5:23 broadcast_to
    v50 = k_mul(v49, lift(v17, 2, 3), 3)                      # 5:23 mul
    v51 = k_unbroadcast(v50, lift(v18, 2, 3), 3)              # 5:23 unbroadcast
    v52 = k_mul(v51, lift(v11, 1, 3), 3)                      # 5:23 mul
    v53 = k_unbroadcast(v52, lift(v10, 2, 3), 3)              # 5:23 unbroadcast
    v54 = k_unbroadcast(v53, lift(v8, 2, 3), 3)               # 5:24 unbroadcast
    v55 = k_matmul_gb(v54, lift(v7, 2, 3), lift(v0, 1, 3), 3)  # 5:24 matmul_gb
    v56 = k_add(v41, v55, 3)                                  # 2:7 add
    v57 = S.mean(v56, 1)                                      # 8:10 average over stream s1 (E[z, zv], line 8)
    v58 = k_densify(v57, v0, 1)                               # 8:1 densify
    return (v31, v58,)
